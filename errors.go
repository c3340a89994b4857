// Package vigie holds what every capability shares: the application error
// type with its stable codes. Domain packages return *Error for anything a
// caller can act on; adapters map the code to their protocol in one place
// (HTTP: httpapi.problem). Any other error is internal: it is logged and
// shown to users only as "Internal error."
package vigie

import (
	"errors"
	"fmt"
)

// Code is a stable, documented error code. Clients may switch on it.
type Code string

// The error codes. Their HTTP mapping lives in httpapi.
const (
	EInvalid      Code = "invalid"      // input breaks a rule; Field names it
	ENotFound     Code = "not_found"    // no such thing, or not visible to the caller
	EConflict     Code = "conflict"     // the state does not allow the action
	EUnauthorized Code = "unauthorized" // missing, wrong, expired or revoked credentials
	EForbidden    Code = "forbidden"    // authenticated, but the role may not do this
	ETooLarge     Code = "too_large"    // a body or upload over its limit
	EInternal     Code = "internal"     // a fault of ours; details are logged, not shown
)

// Error is an error a user can understand and act on.
type Error struct {
	Code    Code
	Field   string // the input field at fault, e.g. "urls[2]"; empty when none
	Message string // a sentence for a human; never internal details
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error naming the field and the rule it breaks.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns the first *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
