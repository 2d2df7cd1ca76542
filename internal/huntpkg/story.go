package huntpkg

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"renkei/internal/auth"
	"renkei/internal/hunt"
	"renkei/internal/store"
)

//go:embed story/*.yml
var storyFS embed.FS

// StoryRules are the Sigma rules of the demonstration package: credential
// dumping, shadow-copy deletion and certutil downloads.
func StoryRules() []RuleFile {
	names, _ := fs.Glob(storyFS, "story/*.yml")
	out := make([]RuleFile, 0, len(names))
	for _, n := range names {
		b, _ := storyFS.ReadFile(n)
		out = append(out, RuleFile{Name: filepath.Base(n), YAML: string(b)})
	}
	return out
}

// StoryResult is what step 4 of the story produced.
type StoryResult struct {
	Package *Package
	Alerted int
	Runs    []Run
}

// Story plays step 4 of the design's story: after the water utility's
// incident the publisher (the center) sends a hunting package to the energy
// and water sectors; each runner's organization runs it for real with the
// hunt engine on its own synthetic Windows logs (events each, a different
// seed per organization) and reports back counts per rule, the first runner
// with the matches themselves. The publisher is alerted of every run with
// hits. internal/demo calls it; nothing here is hard-coded but the rules.
func (s *Service) Story(ctx context.Context, publisher auth.Caller, runners []auth.Caller, events int) (*StoryResult, error) {
	pub, err := s.Publish(ctx, publisher, PublishRequest{
		Title:       "湾岸水道インシデント後の横断ハンティング / Sweep after the Bayside Water incident",
		Description: "Credential dumping, shadow-copy deletion and certutil staging seen at the water utility, and its C2 address. Run on Sysmon and Security logs of the last 30 days.",
		TLP:         "amber",
		Scope:       []ScopeEntry{{Kind: ScopeSector, Value: "energy"}, {Kind: ScopeSector, Value: "water"}},
		Rules:       StoryRules(),
		Indicators:  []string{"203.0.113.7"},
	})
	if err != nil {
		return nil, fmt.Errorf("story: publish: %w", err)
	}
	res := &StoryResult{Package: pub.Package, Alerted: pub.Alerted}
	dir, err := os.MkdirTemp("", "renkei-story-hunt-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	e, err := pub.Package.Engine(hunt.EngineOptions{})
	if err != nil {
		return nil, err
	}
	for i, c := range runners {
		path := filepath.Join(dir, fmt.Sprintf("org%d.jsonl", i))
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		err = hunt.WriteSyntheticEvents(f, events, uint64(1000+i))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("story: logs of %s: %w", c.Org.Name, err)
		}
		inputs, _, errs := hunt.ListInputs([]string{path})
		if len(errs) > 0 {
			return nil, errs[0]
		}
		lr, err := pub.Package.RunLocal(ctx, e, inputs, hunt.RunOptions{}, i == 0, nil)
		if err != nil {
			return nil, fmt.Errorf("story: run at %s: %w", c.Org.Name, err)
		}
		lr.Report.RanAt = s.now().Add(-time.Duration(len(runners)-i) * 17 * time.Minute)
		run, err := s.Report(ctx, c, pub.Package.ID, lr.Report)
		if err != nil {
			return nil, fmt.Errorf("story: report of %s: %w", c.Org.Name, err)
		}
		res.Runs = append(res.Runs, run)
	}
	return res, nil
}

// CallerOf builds the caller of a user by login, for programs (the demo)
// that act as users without a request.
func CallerOf(ctx context.Context, db *store.DB, login string) (auth.Caller, error) {
	u, err := db.UserByLogin(ctx, login)
	if err != nil {
		return auth.Caller{}, fmt.Errorf("user %s: %w", login, err)
	}
	o, err := db.Org(ctx, u.OrgID)
	if err != nil {
		return auth.Caller{}, err
	}
	return auth.Caller{User: u, Org: o}, nil
}
