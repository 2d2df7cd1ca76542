package version

import "fmt"

func fmtErr(what, v string, err error) error { return fmt.Errorf("%s %q: %w", what, v, err) }
