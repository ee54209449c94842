package bus

import (
	"context"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamOptions shape the hall's streams.
type StreamOptions struct {
	Replicas int           // 1 for one server, 3 for a cluster
	MaxAge   time.Duration // how long events are kept (the report's reach)
}

// EnsureStreams creates or updates the hall's event and ratings streams.
// Only the controller (or an operator's tool) does this.
func (b *Bus) EnsureStreams(ctx context.Context, o StreamOptions) error {
	if o.Replicas < 1 {
		o.Replicas = 1
	}
	if o.MaxAge == 0 {
		o.MaxAge = 400 * 24 * time.Hour
	}
	for _, cfg := range []jetstream.StreamConfig{
		{Name: b.Stream(), Subjects: b.StreamSubjects()},
		{Name: b.Ratings(), Subjects: b.RatingSubjects()},
	} {
		cfg.Storage = jetstream.FileStorage
		cfg.Replicas = o.Replicas
		cfg.MaxAge = o.MaxAge
		cfg.Duplicates = 2 * time.Minute
		// No direct reads: a replica that has not subscribed yet answers
		// "no responders", and a kiosk would think the bus is gone.
		cfg.Description = "onetrip hall " + b.Hall
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := b.js.CreateOrUpdateStream(cctx, cfg)
		cancel()
		if err != nil {
			return b.explain("create stream "+cfg.Name, err)
		}
	}
	b.mu.Lock()
	b.events = nil
	b.mu.Unlock()
	return nil
}

// PublishConfig publishes a hall file with its version, unless that
// version is already the last one published.
func (b *Bus) PublishConfig(ctx context.Context, src []byte, version string) (bool, error) {
	if _, v, err := b.HallConfig(ctx); err == nil && v == version {
		return false, nil
	}
	m := nats.NewMsg(b.Config())
	m.Data = src
	m.Header.Set(VersionHeader, version)
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	if _, err := b.js.PublishMsg(ctx, m); err != nil {
		return false, b.explain("publish the hall configuration", err)
	}
	return true, nil
}
