package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vigie-project/vigie"
)

// SavedResponse is a response kept for an idempotency key.
type SavedResponse struct {
	RequestHash string
	Status      int
	ContentType string
	Body        string
}

// IdempotencyStore keeps responses by organisation and key.
type IdempotencyStore interface {
	SavedResponse(ctx context.Context, orgID, key string) (*SavedResponse, error)
	SaveResponse(ctx context.Context, orgID, key string, r SavedResponse) error
}

// Idempotency makes authenticated POST requests that carry an
// Idempotency-Key safe to retry: the first answer (unless it was a server
// error) is stored and replayed, with Idempotent-Replayed: true, for any
// retry of the same request; the same key with a different request is
// refused. Creating a referral is also idempotent inside its own
// transaction, which covers a crash between commit and storing the answer.
func Idempotency(store IdempotencyStore, log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := r.Header.Get("Idempotency-Key")
			p, authed := PrincipalFrom(r.Context())
			if r.Method != http.MethodPost || key == "" || !authed || !strings.HasPrefix(r.URL.Path, "/api/") {
				next.ServeHTTP(w, r)
				return
			}
			if len(key) > 200 {
				WriteProblem(w, r, log, vigie.Invalid("Idempotency-Key", "must be at most 200 characters"))
				return
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				WriteProblem(w, r, log, vigie.Errorf(vigie.ETooLarge, "the request body is over the limit of %d bytes", MaxBody))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
			hash := hex.EncodeToString(sum[:])
			saved, err := store.SavedResponse(r.Context(), p.OrgID, key)
			if err != nil {
				WriteProblem(w, r, log, err)
				return
			}
			if saved != nil {
				if saved.RequestHash != hash {
					WriteProblem(w, r, log, vigie.Invalid("Idempotency-Key", "was already used for a different request"))
					return
				}
				w.Header().Set("Content-Type", saved.ContentType)
				w.Header().Set("Idempotent-Replayed", "true")
				w.WriteHeader(saved.Status)
				io.WriteString(w, saved.Body)
				return
			}
			rec := &recorder{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(rec, r)
			if rec.status < 500 {
				if err := store.SaveResponse(context.WithoutCancel(r.Context()), p.OrgID, key, SavedResponse{
					RequestHash: hash, Status: rec.status, ContentType: rec.Header().Get("Content-Type"), Body: rec.body.String()}); err != nil {
					log.Error("save idempotent response", slog.Any("err", err))
				}
			}
		})
	}
}

// recorder passes a response through while keeping a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }
func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
