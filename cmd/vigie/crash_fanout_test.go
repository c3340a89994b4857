package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/cap"
	"github.com/vigie-project/vigie/geo"
	"github.com/vigie-project/vigie/internal/testenv"
)

// TestKillNineDuringFanOut kills the server with SIGKILL while an alert
// is being pushed to 400 subscribers through a slow push service, restarts
// it, and checks that every subscriber gets the alert and that the only
// repeats are the few messages that were in flight at the kill (the ledger
// records outcomes as they come; the Topic header lets a push service
// replace such a repeat).
func TestKillNineDuringFanOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server as a process")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dsn, data := testenv.DSN(t), t.TempDir()
	runCLI(t, bin, "admin", "org", "create", "--db", dsn, "--name", "Authority", "--kind", "authority", "--country", "FR")
	key := lastLine(runCLI(t, bin, "admin", "key", "create", "--db", dsn, "--org", "Authority"))

	var mu sync.Mutex
	got := map[string]int{}
	topics := map[string]bool{}
	push := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond) // a slow push service: the fan-out takes seconds
		mu.Lock()
		got[r.URL.Path]++
		topics[r.Header.Get("Topic")] = true
		mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	defer push.Close()
	total := func() (sum, subscribers int) {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range got {
			sum += n
		}
		return sum, len(got)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"--db", dsn, "--data", data, "--addr", addr, "--allow-private-webhooks"}
	srv := startProcess(t, bin, args...)
	t.Cleanup(func() {
		srv.cmd.Process.Kill()
		srv.cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", srv.logs)
		}
	})
	base := "http://" + addr
	post := func(path, auth string, body any) *http.Response {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	cell, _ := geo.CellOf(geo.Point{Lat: 48.8631, Lon: 2.3708}, 5)
	const subscribers = 400
	enc := base64.RawURLEncoding.EncodeToString
	for i := range subscribers {
		d := newDevice(t)
		resp := post("/push/subscriptions", "", map[string]any{"subscription": map[string]any{"endpoint": push.URL + "/s/" + itoa(i),
			"keys": map[string]string{"p256dh": enc(d.priv.PublicKey().Bytes()), "auth": enc(d.auth)}}, "cells": []string{cell.String()}, "lang": "fr"})
		if resp.StatusCode != 201 {
			t.Fatalf("subscribe %d: %d", i, resp.StatusCode)
		}
	}
	if resp := post("/api/v1/alerts", key, alertDraft(cap.StatusExercise)); resp.StatusCode != 201 {
		t.Fatalf("publish: %d", resp.StatusCode)
	}
	waitFor(t, "the fan-out to be under way", 60*time.Second, func() bool { n, _ := total(); return n >= 100 })
	srv.cmd.Process.Signal(os.Kill)
	srv.cmd.Wait()
	before, _ := total()
	t.Logf("killed after %d messages", before)
	srv = startProcess(t, bin, args...)
	waitFor(t, "every subscriber to get the alert after the restart", 120*time.Second, func() bool {
		_, n := total()
		return n == subscribers
	})
	sum, n := total()
	repeats := sum - n
	t.Logf("%d subscribers, %d messages: %d repeats (killed after %d)", n, sum, repeats, before)
	// At most what was in flight (the sender's concurrency, 64) plus the
	// outcomes not yet written (fewer than 16) can be sent again.
	if repeats > 64+16 {
		t.Errorf("%d repeats: more than the messages in flight at the kill", repeats)
	}
	if len(topics) != 1 {
		t.Errorf("topics %v: every message of the alert must carry its chain's topic", topics)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
