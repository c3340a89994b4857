package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/vigie-project/vigie"
)

func TestProblemMapping(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		err      error
		status   int
		typ      string
		location string
		detail   string
	}{
		{vigie.Invalid("urls[2]", "must name a host"), 422, "urn:vigie:problem:invalid", "body.urls[2]", "urls[2] must name a host"},
		{vigie.Invalid("Idempotency-Key", "was already used"), 422, "urn:vigie:problem:invalid", "header.Idempotency-Key", ""},
		{vigie.Invalid("query.state", "unknown state"), 422, "urn:vigie:problem:invalid", "query.state", ""},
		{vigie.Errorf(vigie.ENotFound, "no such referral"), 404, "urn:vigie:problem:not_found", "", "no such referral"},
		{vigie.Errorf(vigie.EConflict, "x"), 409, "urn:vigie:problem:conflict", "", ""},
		{vigie.Errorf(vigie.EUnauthorized, "x"), 401, "urn:vigie:problem:unauthorized", "", ""},
		{vigie.Errorf(vigie.EForbidden, "x"), 403, "urn:vigie:problem:forbidden", "", ""},
		{vigie.Errorf(vigie.ETooLarge, "x"), 413, "urn:vigie:problem:too_large", "", ""},
		{errors.New("pq: connection refused to 10.0.0.5"), 500, "urn:vigie:problem:internal", "", "Internal error."},
		{vigie.Errorf(vigie.EInternal, "secret detail"), 500, "urn:vigie:problem:internal", "", "Internal error."},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			m := problem(context.Background(), log, tt.err)
			if m.Status != tt.status || m.Type != tt.typ {
				t.Fatalf("status %d type %s, want %d %s", m.Status, m.Type, tt.status, tt.typ)
			}
			if tt.detail != "" && m.Detail != tt.detail {
				t.Fatalf("detail %q, want %q (internal details must never show)", m.Detail, tt.detail)
			}
			if tt.location != "" && (len(m.Errors) != 1 || m.Errors[0].Location != tt.location) {
				t.Fatalf("errors %+v, want location %s", m.Errors, tt.location)
			}
		})
	}
}
