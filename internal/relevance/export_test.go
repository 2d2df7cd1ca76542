package relevance

import (
	"context"

	"renkei/internal/vuln"
)

// AlertSuppressions raises the suppression alerts of lost as addSets does
// after an addition, for tests that play several hub nodes seeing one
// suppression.
func (s *Service) AlertSuppressions(ctx context.Context, lost []vuln.Finding) (int, error) {
	return s.alertSuppressions(ctx, lost)
}
