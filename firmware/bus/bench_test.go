package bus_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"onetrip/firmware/bus"
	"onetrip/firmware/bus/embedded"
	"onetrip/firmware/hall"
	"onetrip/firmware/queue"
)

// benchHall is one embedded server (file storage) with the sample hall's
// users and streams, as the hall controller runs it: syncing every message
// to disk before its acknowledgement, or every syncInterval.
func benchHall(b *testing.B, syncInterval time.Duration) (*hall.Hall, *embedded.Keys, []string) {
	b.Helper()
	dir := b.TempDir()
	h, keys := sampleHallKeys(b, filepath.Join(dir, "creds"))
	addr := freeAddr(b)
	ns, err := embedded.Start(embedded.ServerOptions{Listen: addr, StoreDir: filepath.Join(dir, "js"), Name: "bench", SyncInterval: syncInterval}, h, keys)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ns.Shutdown)
	urls := []string{"nats://" + addr}
	admin := dialHall(b, h, keys, embedded.ControllerRole, "controller", urls, false)
	if err := admin.EnsureStreams(context.Background(), bus.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	return h, keys, urls
}

// hallMix is the matters handled in the sample hall, weighted as a
// weekday morning: social security and residence permits busy, the
// property desks quiet.
func hallMix(b *testing.B, h *hall.Hall) []hall.Matter {
	weight := map[string]int{
		"social-card": 25, "residence-permit": 15, "id-card-renewal": 12, "company-setup": 12,
		"medical-transfer": 8, "business-license-change": 6, "pension-cert": 5, "household-move": 4,
		"invoice": 4, "housing-fund-withdraw": 4, "property-register": 3, "property-cert-query": 2,
	}
	var out []hall.Matter
	handled := 0
	for _, m := range h.Matters {
		if !m.Here {
			continue
		}
		handled++
		w := weight[m.ID]
		if w == 0 {
			w = 2
		}
		for range w {
			out = append(out, m)
		}
	}
	if handled != 12 {
		b.Logf("the sample hall handles %d matters here, not 12", handled)
	}
	return out
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(len(sorted)-1, int(float64(len(sorted))*p))
	return float64(sorted[i]) / float64(time.Millisecond)
}

// Ten kiosks issue at once, back to back, on the hall's mix of matters.
// Budget: ≥ 1000 tickets/s, issue p99 ≤ 20 ms, no number twice.
func BenchmarkIssue10Kiosks(b *testing.B) {
	h, keys, urls := benchHall(b, 0)
	mixes := hallMix(b, h)
	issueBench(b, h, keys, urls, 10, func(_ int, rng *rand.Rand) hall.Matter { return mixes[rng.IntN(len(mixes))] })
}

// BenchmarkIssueDiagnosis takes the issue latency apart: one kiosk alone
// (the bare cost of a claim: a read of the subject's last message and a
// publish), ten kiosks that never share a prefix (load without
// contention), and the hall mix on a server that writes to disk only every
// two minutes (what the durability of each ticket costs).
func BenchmarkIssueDiagnosis(b *testing.B) {
	b.Run("1-kiosk", func(b *testing.B) {
		h, keys, urls := benchHall(b, 0)
		mixes := hallMix(b, h)
		issueBench(b, h, keys, urls, 1, func(_ int, rng *rand.Rand) hall.Matter { return mixes[rng.IntN(len(mixes))] })
	})
	b.Run("10-kiosks-own-prefix", func(b *testing.B) {
		h, keys, urls := benchHall(b, 0)
		var own []hall.Matter
		for _, m := range h.Matters {
			if m.Here {
				own = append(own, m)
			}
		}
		issueBench(b, h, keys, urls, 10, func(k int, _ *rand.Rand) hall.Matter { return own[k%len(own)] })
	})
	b.Run("10-kiosks-sync-every-2m", func(b *testing.B) {
		h, keys, urls := benchHall(b, 2*time.Minute)
		mixes := hallMix(b, h)
		issueBench(b, h, keys, urls, 10, func(_ int, rng *rand.Rand) hall.Matter { return mixes[rng.IntN(len(mixes))] })
	})
}

// issueBench has kiosks issue b.N tickets between them, each ticket's
// matter chosen by pick, and reports throughput, latency, claim attempts
// per ticket and duplicates (fatal if any, or if the stream has a gap).
func issueBench(b *testing.B, h *hall.Hall, keys *embedded.Keys, urls []string, kiosks int, pick func(k int, rng *rand.Rand) hall.Matter) {
	var buses []*bus.Bus
	for k := range kiosks {
		buses = append(buses, dialHall(b, h, keys, "kiosk", fmt.Sprintf("kiosk-%d", k), urls, false))
	}
	// Every claim attempt (won or refused) is one message on an issue
	// subject: a plain subscription sees them all.
	admin := dialHall(b, h, keys, embedded.ControllerRole, "counter", urls, false)
	var claims atomic.Int64
	sub, err := admin.Conn().Subscribe(admin.Issue(day, "*"), func(*nats.Msg) { claims.Add(1) })
	if err != nil {
		b.Fatal(err)
	}
	sub.SetPendingLimits(-1, -1)
	admin.Conn().Flush()
	since := time.Now().Add(-time.Minute)

	var next atomic.Int64
	lat := make([][]time.Duration, kiosks)
	numbers := make([][]string, kiosks)
	prefixes := make([][]string, kiosks)
	errs := make(chan error, kiosks)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for k, kb := range buses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(k), 42))
			name := fmt.Sprintf("k%d", k)
			for {
				i := int(next.Add(1))
				if i > b.N {
					return
				}
				m := pick(k, rng)
				e := issued(name, i, m.Prefix, m.ID)
				t := time.Now()
				got, _, err := kb.Publish(context.Background(), e, 0)
				if err != nil {
					errs <- err
					return
				}
				lat[k] = append(lat[k], time.Since(t))
				numbers[k] = append(numbers[k], got.Number)
				prefixes[k] = append(prefixes[k], m.Prefix)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatalf("issue: %v", err)
	}

	all := slices.Concat(lat...)
	// The slowest issues by prefix: is the tail the busy prefixes?
	byPrefix := map[string][]time.Duration{}
	for k := range lat {
		for i, d := range lat[k] {
			byPrefix[prefixes[k][i]] = append(byPrefix[prefixes[k][i]], d)
		}
	}
	var tails []string
	for p, ds := range byPrefix {
		slices.Sort(ds)
		tails = append(tails, fmt.Sprintf("%s:%d×p99=%.1fms", p, len(ds), percentile(ds, 0.99)))
	}
	slices.Sort(tails)
	slices.Sort(all)
	seen := map[string]int{}
	dups := 0
	for _, n := range slices.Concat(numbers...) {
		if seen[n]++; seen[n] == 2 {
			dups++
		}
	}
	// The stream itself: every number once, no gap per prefix.
	evs, _, err := admin.Fetch(context.Background(), since, false)
	if err != nil {
		b.Fatal(err)
	}
	stored := map[string]int{}
	top := map[string]int{}
	for _, e := range evs {
		if e.Kind == queue.Issued {
			if stored[e.Number]++; stored[e.Number] == 2 {
				dups++
			}
			top[e.Prefix] = max(top[e.Prefix], e.Seq)
		}
	}
	gaps := 0
	for p, t := range top {
		for n := 1; n <= t; n++ {
			if stored[queue.Number(p, n)] == 0 {
				gaps++
			}
		}
	}
	if !pollUntil(2*time.Second, func() bool { return claims.Load() >= int64(b.N) }) {
		b.Logf("saw %d claim attempts for %d tickets", claims.Load(), b.N)
	}
	if b.N >= 1000 {
		b.Logf("%d tickets in %v; by prefix %v", b.N, elapsed.Round(time.Millisecond), tails)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tickets/s")
	b.ReportMetric(percentile(all, 0.50), "p50-ms")
	b.ReportMetric(percentile(all, 0.99), "p99-ms")
	b.ReportMetric(float64(dups), "duplicates")
	b.ReportMetric(float64(claims.Load())/float64(b.N), "claims/ticket")
	if dups > 0 || gaps > 0 || len(evs) != b.N {
		b.Fatalf("%d tickets issued, %d in the stream: %d numbers twice, %d gaps", b.N, len(evs), dups, gaps)
	}
}

// A counter calls a ticket; a display following the stream shows it.
// Measured: from the counter's Publish until the display's view has
// applied the call.
func BenchmarkCallToDisplay(b *testing.B) {
	h, keys, urls := benchHall(b, 0)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)

	// The tickets to call, issued beforehand by a few kiosks.
	tickets := make([]string, b.N)
	var wg sync.WaitGroup
	const kiosks = 4
	for k := range kiosks {
		kb := dialHall(b, h, keys, "kiosk", fmt.Sprintf("kiosk-%d", k), urls, false)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < b.N; i += kiosks {
				e, _, err := kb.Publish(ctx, issued(fmt.Sprintf("k%d", k), i, "A", "social-card"), 0)
				if err != nil {
					b.Error(err)
					return
				}
				tickets[i] = e.Number
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		b.FailNow()
	}

	display := dialHall(b, h, keys, "display", "display", urls, false)
	view := queue.NewView(h)
	shown := make(chan string, 16)
	var caught atomic.Bool
	var applyErrs atomic.Int64
	err := display.Follow(ctx, time.Now().Add(-time.Hour), func(d bus.Delivery) {
		if d.Event.Kind != "" {
			if err := view.Apply(d.Event); err != nil {
				applyErrs.Add(1)
			} else if d.Event.Kind == queue.Called {
				shown <- d.Event.Number
			}
		}
		if d.CaughtUp {
			caught.Store(true)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	if !pollUntil(10*time.Second, caught.Load) {
		b.Fatal("the display did not catch up with the issued tickets")
	}

	counter := dialHall(b, h, keys, "counter", "counter", urls, false)
	seqs := bus.NewSequences(counter.Subjects)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		e := queue.Event{Kind: queue.Called, At: t0.Add(time.Hour), Day: day, Number: tickets[i], Window: 1}
		start := time.Now()
		e, seq, err := counter.Publish(ctx, e, seqs.Expect(e))
		if err != nil {
			b.Fatalf("call %s: %v", tickets[i], err)
		}
		seqs.Published(e, seq)
		select {
		case n := <-shown:
			if n != tickets[i] {
				b.Fatalf("called %s, the display showed %s", tickets[i], n)
			}
		case <-time.After(5 * time.Second):
			b.Fatalf("the display did not show %s within 5 s", tickets[i])
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	if n := applyErrs.Load(); n > 0 {
		b.Fatalf("the display's view refused %d events", n)
	}
	slices.Sort(lat)
	b.ReportMetric(percentile(lat, 0.50), "p50-ms")
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
}
