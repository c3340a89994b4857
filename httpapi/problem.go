package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigie-project/vigie"
)

// status maps each error code to its HTTP status: the only place that does.
var status = map[vigie.Code]int{
	vigie.EInvalid:      http.StatusUnprocessableEntity,
	vigie.ENotFound:     http.StatusNotFound,
	vigie.EConflict:     http.StatusConflict,
	vigie.EUnauthorized: http.StatusUnauthorized,
	vigie.EForbidden:    http.StatusForbidden,
	vigie.ETooLarge:     http.StatusRequestEntityTooLarge,
	vigie.EInternal:     http.StatusInternalServerError,
}

// problem turns any error into RFC 9457 problem details. Internal errors
// are logged with their details and shown as "Internal error.".
func problem(ctx context.Context, log *slog.Logger, err error) *huma.ErrorModel {
	var already *huma.ErrorModel
	if errors.As(err, &already) {
		return already
	}
	e := vigie.AsError(err)
	if e == nil || e.Code == vigie.EInternal {
		log.ErrorContext(ctx, "internal error", slog.Any("err", err))
		return &huma.ErrorModel{Type: problemType(vigie.EInternal), Title: "Internal error.", Status: 500, Detail: "Internal error."}
	}
	code := status[e.Code]
	detail := e.Message
	if e.Field != "" {
		detail = e.Field + " " + e.Message
	}
	m := &huma.ErrorModel{Type: problemType(e.Code), Title: http.StatusText(code), Status: code, Detail: detail}
	if e.Field != "" {
		m.Errors = []*huma.ErrorDetail{{Location: location(e.Field), Message: e.Message}}
	}
	return m
}

// location places a domain field name in the request, the way huma names
// its own validation errors: "query.x" and "path.x" stay, capitalised names
// are headers, anything else is in the body.
func location(field string) string {
	switch {
	case strings.HasPrefix(field, "query.") || strings.HasPrefix(field, "path."):
		return field
	case field[0] >= 'A' && field[0] <= 'Z':
		return "header." + field
	}
	return "body." + field
}

// problemType is the problem's type URI: a stable name per code.
func problemType(c vigie.Code) string { return "urn:vigie:problem:" + string(c) }

// WriteProblem writes an error as problem+json outside huma (middleware).
func WriteProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	m := problem(r.Context(), log, err)
	if m.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigie"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(m.Status)
	_ = json.NewEncoder(w).Encode(m)
}
