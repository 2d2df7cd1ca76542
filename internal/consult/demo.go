package consult

import (
	"context"
	"fmt"

	"renkei/internal/auth"
)

// Demo has asker (a town hall's IT person, say) ask the center for support
// and the center's analyst answer, for the demo data. It returns the
// request's public id.
func (s *Service) Demo(ctx context.Context, asker, center string) (string, error) {
	caller := func(login string) (auth.Caller, error) {
		u, err := s.DB.UserByLogin(ctx, login)
		if err != nil {
			return auth.Caller{}, err
		}
		o, err := s.DB.Org(ctx, u.OrgID)
		return auth.Caller{User: u, Org: o}, err
	}
	a, err := caller(asker)
	if err != nil {
		return "", fmt.Errorf("consult demo: %w", err)
	}
	c, err := caller(center)
	if err != nil {
		return "", fmt.Errorf("consult demo: %w", err)
	}
	r, err := s.Ask(ctx, a, "support", "VPN装置のアラートについて / About the VPN appliance alert",
		"注意喚起を受け取りましたが、当市の装置が該当するか分かりません。/ We received the advisory but do not know whether our appliance is affected.", "")
	if err != nil {
		return "", fmt.Errorf("consult demo: %w", err)
	}
	_, err = s.Reply(ctx, c, r.PublicID, "answer", "管理画面のバージョン表示が 7.2.11 未満なら該当します。手順書を添付します。/ If the version shown is below 7.2.11 you are affected; see the attached steps.", "")
	return r.PublicID, err
}
