package main

import (
	"bytes"
	"context"
	"log/slog"
	"os/exec"
	"time"

	"github.com/vigie-project/vigie/httpapi"
	"github.com/vigie-project/vigie/media"
	"github.com/vigie-project/vigie/pdq"
	"github.com/vigie-project/vigie/vpdq"
)

// openMedia loads the hash banks into the in-memory index.
func (a *app) openMedia(ctx context.Context, c serveConfig) error {
	start := time.Now()
	idx := media.NewIndex(0)
	a.media = media.NewService(a.store, idx, media.DefaultPolicy(), time.Now, a.log)
	if err := a.media.Load(ctx, nil); err != nil {
		idx.Close()
		return err
	}
	st := idx.Status()
	a.log.Info("hash index loaded", slog.Int("pdq", st.Signals[media.PDQ]), slog.Int("vpdq", st.Signals[media.VPDQ]),
		slog.Int("md5", st.Signals[media.MD5]), slog.Int("sha256", st.Signals[media.SHA256]), slog.Duration("took", time.Since(start)))
	a.uploads = &media.Uploads{Photos: pdq.Hasher{MaxBytes: httpapi.MaxUpload, MaxPixels: c.maxPixels}}
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		ex := &vpdq.Extractor{MaxBytes: httpapi.MaxUpload}
		a.uploads.Videos = func(ctx context.Context, data []byte) (vpdq.Hash, error) {
			return ex.HashReader(ctx, bytes.NewReader(data))
		}
	} else {
		a.log.Info("videos are matched by their digests only: install ffmpeg (Debian package ffmpeg) for vPDQ")
	}
	return nil
}

// mediaLoop writes the match statistics every few seconds, and follows
// the changes that other writers made to the store (other instances on
// PostgreSQL, `vigie hash import` on either) so that they match within a
// second.
func (a *app) mediaLoop(ctx context.Context) {
	go a.media.Follow(ctx, time.Second)
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := a.media.FlushStats(context.WithoutCancel(ctx)); err != nil {
				a.log.Error("write match statistics", slog.Any("err", err))
			}
			return
		case <-t.C:
		}
		if err := a.media.FlushStats(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("write match statistics", slog.Any("err", err))
		}
	}
}
