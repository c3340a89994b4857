package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/testenv"
	"github.com/vigie-project/vigie/websub"
)

func TestWebSubSubscriptions(t *testing.T) {
	ctx := context.Background()
	db := testenv.DB(t, nil)
	now := time.Date(2026, 11, 13, 21, 30, 0, 0, time.UTC)
	const topic, other = "https://a.example/alerts/feed.atom", "https://a.example/alerts/feed.rss"
	save := func(id, topic, cb, secret string, lease time.Duration) {
		t.Helper()
		if err := db.SaveSubscription(ctx, &websub.Subscription{ID: id, Topic: topic, Callback: cb, Secret: secret, CreatedAt: now, ExpiresAt: now.Add(lease)}); err != nil {
			t.Fatal(err)
		}
	}
	save("s1", topic, "https://sub.example/1", "first", time.Hour)
	save("s2", topic, "https://sub.example/2", "", time.Minute)
	save("s3", other, "https://sub.example/1", "", time.Hour)
	// A renewal keeps the id and takes the new lease and secret.
	save("s1-again", topic, "https://sub.example/1", "second", 2*time.Hour)
	s, err := db.Subscription(ctx, topic, "https://sub.example/1", now)
	if err != nil || s == nil || s.ID != "s1" || s.Secret != "second" || !s.ExpiresAt.Equal(now.Add(2*time.Hour)) || !s.CreatedAt.Equal(now) {
		t.Fatalf("renewed subscription %+v %v", s, err)
	}
	tests := []struct {
		at    time.Duration
		topic int // live subscriptions of topic
		all   int
	}{{0, 2, 3}, {time.Minute, 1, 2}, {90 * time.Minute, 1, 1}, {2 * time.Hour, 0, 0}}
	for _, tt := range tests {
		subs, err := db.Subscriptions(ctx, topic, now.Add(tt.at))
		n, err2 := db.CountSubscriptions(ctx, now.Add(tt.at))
		if err != nil || err2 != nil || len(subs) != tt.topic || n != tt.all {
			t.Fatalf("at +%s: %d of the topic, %d in all (%v %v), want %d and %d", tt.at, len(subs), n, err, err2, tt.topic, tt.all)
		}
	}
	if s, err := db.Subscription(ctx, topic, "https://sub.example/2", now.Add(time.Minute)); s != nil || err != nil {
		t.Fatalf("an expired subscription: %+v %v", s, err)
	}
	if n, err := db.PurgeSubscriptions(ctx, now.Add(time.Minute)); n != 1 || err != nil {
		t.Fatalf("purge: %d %v", n, err)
	}
	if err := db.DeleteSubscription(ctx, topic, "https://sub.example/1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteSubscription(ctx, topic, "https://sub.example/1"); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	if n, _ := db.CountSubscriptions(ctx, now); n != 1 {
		t.Fatalf("%d left, want the other topic's", n)
	}
}
