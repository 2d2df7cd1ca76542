package auth

import "errors"

// Unchecked reports whether credentials could not be checked at all: an
// error from Request, Token or Session that is neither "none given" nor
// "not valid" comes from looking them up in the store. The doors answer it
// with 503 "the store is unavailable", never with 401: the token may well
// be valid, and a client told otherwise would discard it.
func Unchecked(err error) bool {
	return err != nil && !errors.Is(err, ErrNoCredentials) && !errors.Is(err, ErrBadCredentials)
}
