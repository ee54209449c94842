// Package bus is a hall terminal's connection to the hall bus: NATS with
// JetStream, either the hall controller's embedded server or a city's
// cluster — the same code either way. It publishes queue events and folds
// the hall's stream back into each terminal.
//
// # Numbering
//
// Ticket numbers come from expected-last-subject-sequence publishing, not
// from a key-value counter. Each prefix of each service day has one subject
// (ot.<hall>.issue.<day>.<prefix>); a kiosk reads its last message (an issued
// ticket, or a leased block of numbers), computes the next number and
// publishes the issued ticket itself with "the subject must still end at
// that message". If another kiosk got there first the server refuses, and
// the kiosk reads again. The number is claimed and the ticket recorded in
// one write: there is no counter that could advance without a ticket (a gap)
// or a ticket written without moving the counter (a duplicate), which a KV
// revision followed by a second publish would allow when a kiosk dies
// between the two. The same check guards every later step of a ticket (its
// family ot.<hall>.t.<day>.<prefix>.<seq>.*): a counter calling a ticket
// that another counter called a moment ago is refused by the server.
package bus

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"onetrip/firmware/queue"
)

// Config says how a terminal reaches its hall's bus.
type Config struct {
	URLs     []string // nats://host:port of one or more servers
	Creds    string   // credentials file: an NKEY seed, or a NATS user JWT .creds
	CA       string   // TLS: CA bundle of the servers (optional)
	Cert     string   // TLS: client certificate and key (optional)
	Key      string
	Hall     string // hall id: the subject prefix
	Terminal string // this terminal's id, shown in the server's connection list
	// Timeout bounds each request to the bus (default 2 s).
	Timeout time.Duration
}

// Bus is a live connection. Its methods are safe for concurrent use.
type Bus struct {
	Subjects
	cfg    Config
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *slog.Logger
	events jetstream.Stream

	mu      sync.Mutex
	changes []chan bool
	denied  map[string]bool // permission errors already logged
}

// HallLine starts the line of a credentials file that names its hall: a
// terminal holding only the file learns the hall's subject prefix from it.
const HallLine = "# hall:"

// ErrAuth means the server refused the credentials.
var ErrAuth = errors.New("the hall bus refused these credentials")

// ErrOffline means the bus cannot be reached now.
var ErrOffline = errors.New("the hall bus is not reachable")

// Connect joins the bus. Wrong credentials fail at once with ErrAuth; an
// unreachable bus also fails unless retry is set, in which case the
// connection keeps trying in the background and Online reports false.
func Connect(ctx context.Context, cfg Config, retry bool, log *slog.Logger) (*Bus, error) {
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if len(cfg.URLs) == 0 {
		return nil, errors.New("hall bus: no server URL given")
	}
	b := &Bus{Subjects: Subjects{cfg.Hall}, cfg: cfg, log: log, denied: map[string]bool{}}
	opts, err := b.options()
	if err != nil {
		return nil, err
	}
	url := strings.Join(cfg.URLs, ",")
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		if isAuth(err) {
			return nil, fmt.Errorf("hall bus %s: %w (check --creds %s)", url, ErrAuth, cfg.Creds)
		}
		if !retry {
			return nil, fmt.Errorf("hall bus %s: %w: %v", url, ErrOffline, err)
		}
		nc, err = nats.Connect(url, append(opts, nats.RetryOnFailedConnect(true))...)
		if err != nil {
			return nil, fmt.Errorf("hall bus %s: %w", url, err)
		}
	}
	b.nc = nc
	if b.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, fmt.Errorf("hall bus %s: %w", url, err)
	}
	return b, nil
}

func (b *Bus) options() ([]nats.Option, error) {
	c := b.cfg
	opts := []nats.Option{
		nats.Name(c.Terminal),
		nats.Timeout(c.Timeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		// Publishing while disconnected fails at once instead of queueing:
		// a kiosk then issues from its lease rather than wait.
		nats.ReconnectBufSize(-1),
		nats.PingInterval(2 * time.Second),
		nats.MaxPingsOutstanding(2),
		nats.ConnectHandler(func(*nats.Conn) { b.changed(true) }),
		nats.ReconnectHandler(func(*nats.Conn) { b.changed(true) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { b.changed(false) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { b.asyncError(err) }),
	}
	if c.Creds != "" {
		src, err := os.ReadFile(c.Creds)
		if err != nil {
			return nil, fmt.Errorf("hall bus credentials: %w", err)
		}
		if strings.Contains(string(src), "BEGIN NATS USER JWT") {
			opts = append(opts, nats.UserCredentials(c.Creds))
		} else {
			o, err := nats.NkeyOptionFromSeed(c.Creds)
			if err != nil {
				return nil, fmt.Errorf("hall bus credentials %s: not an NKEY seed or a .creds file: %w", c.Creds, err)
			}
			opts = append(opts, o)
		}
	}
	if c.CA != "" {
		opts = append(opts, nats.RootCAs(c.CA))
	}
	if c.Cert != "" || c.Key != "" {
		opts = append(opts, nats.ClientCert(c.Cert, c.Key))
	}
	if c.CA != "" || c.Cert != "" {
		opts = append(opts, nats.Secure(&tls.Config{MinVersion: tls.VersionTLS12}))
	}
	return opts, nil
}

func isAuth(err error) bool {
	return errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) ||
		strings.Contains(strings.ToLower(err.Error()), "authorization violation")
}

func (b *Bus) asyncError(err error) {
	msg := err.Error()
	b.mu.Lock()
	seen := b.denied[msg]
	b.denied[msg] = true
	b.mu.Unlock()
	if !seen {
		b.log.Error("hall bus refused a request", "err", msg)
	}
}

// refused reports whether the server said these credentials may not
// publish to subj.
func (b *Bus) refused(subj string) bool { return b.deniedWith(`"` + subj + `"`) }

// deniedWith reports whether a permission refusal mentioned s.
func (b *Bus) deniedWith(s string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for msg := range b.denied {
		if strings.Contains(msg, "ermission") && strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// readError explains a failed read of stream: a refusal of the
// credentials, or whatever else went wrong.
func (b *Bus) readError(stream string, err error) error {
	if b.deniedWith("." + stream + ".") {
		return fmt.Errorf("hall bus: these credentials may not read %s", stream)
	}
	return b.explain("read "+stream, err)
}

func (b *Bus) changed(online bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.changes {
		select {
		case c <- online:
		default:
		}
	}
}

// Changes returns a channel told of every connect and disconnect.
func (b *Bus) Changes() <-chan bool {
	c := make(chan bool, 4)
	b.mu.Lock()
	b.changes = append(b.changes, c)
	b.mu.Unlock()
	return c
}

// Online reports whether the connection is up now.
func (b *Bus) Online() bool { return b.nc.IsConnected() }

// Conn is the underlying connection (for the controller and tests).
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Close drains and closes the connection.
func (b *Bus) Close() { b.nc.Close() }

func (b *Bus) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, b.cfg.Timeout)
}

// stream looks the event stream up once; it is there once the controller ran.
func (b *Bus) stream(ctx context.Context) (jetstream.Stream, error) {
	b.mu.Lock()
	st := b.events
	b.mu.Unlock()
	if st != nil {
		return st, nil
	}
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	st, err := b.js.Stream(ctx, b.Stream())
	if err != nil {
		return nil, b.explain(fmt.Sprintf("stream %s", b.Stream()), err)
	}
	b.mu.Lock()
	b.events = st
	b.mu.Unlock()
	return st, nil
}

// explain turns a NATS error into one line a technician can act on.
func (b *Bus) explain(what string, err error) error {
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return fmt.Errorf("hall bus: %s does not exist: is the hall controller (onetrip hall) running for hall %q?", what, b.Hall)
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrDisconnected), errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), !b.nc.IsConnected():
		return fmt.Errorf("hall bus: %s: %w (%v)", what, ErrOffline, err)
	case strings.Contains(strings.ToLower(err.Error()), "permission"):
		return fmt.Errorf("hall bus: %s: these credentials may not do this: %w", what, err)
	}
	return fmt.Errorf("hall bus: %s: %w", what, err)
}

// Publish appends e to the hall's stream. A ticket or help event is only
// accepted if its family still ends at expect, the sequence of the last
// step the caller's view has seen (Sequences.Expect): otherwise the error
// wraps queue.ErrConflict. Issued and leased events get their number here
// (see the package doc). It returns the event as stored and its sequence.
func (b *Bus) Publish(ctx context.Context, e queue.Event, expect uint64) (queue.Event, uint64, error) {
	if (e.Kind == queue.Issued || e.Kind == queue.Leased) && !e.Offline {
		return b.claim(ctx, e)
	}
	if err := e.Validate(); err != nil {
		return e, 0, err
	}
	subj, family, err := b.For(e)
	if err != nil {
		return e, 0, err
	}
	var opts []jetstream.PublishOpt
	if family != "" {
		opts = append(opts, jetstream.WithExpectLastSequenceForSubject(expect, family))
	}
	if e.Kind == queue.Issued {
		opts = append(opts, jetstream.WithMsgID(e.Token))
	}
	ack, err := b.append(ctx, subj, e, opts...)
	if err != nil {
		return e, 0, err
	}
	return e, ack.Sequence, nil
}

func (b *Bus) append(ctx context.Context, subj string, e queue.Event, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	ack, err := b.js.Publish(ctx, subj, data, opts...)
	if err != nil {
		var apiErr *jetstream.APIError
		// A replicated stream reports the same refusal with its own code.
		if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
			return nil, fmt.Errorf("%w: %s %s: someone else changed it first", queue.ErrConflict, e.Kind, what(e))
		}
		if b.refused(subj) {
			return nil, fmt.Errorf("hall bus: publish %s %s: these credentials may not publish to %s", e.Kind, what(e), subj)
		}
		return nil, b.explain(fmt.Sprintf("publish %s %s", e.Kind, what(e)), err)
	}
	return ack, nil
}

func what(e queue.Event) string {
	switch {
	case e.Number != "":
		return e.Number
	case e.Help != "":
		return "help " + e.Help
	case e.Window > 0:
		return fmt.Sprintf("window %d", e.Window)
	}
	return e.Prefix
}

// maxClaims bounds the retries of a number claim under contention.
const maxClaims = 200

// claim gives an issued ticket (or a leased block) the next number of its
// prefix: read the subject's last message, publish expecting it is still
// last, read again if another kiosk came first.
func (b *Bus) claim(ctx context.Context, e queue.Event) (queue.Event, uint64, error) {
	st, err := b.stream(ctx)
	if err != nil {
		return e, 0, err
	}
	subj, _, err := b.For(e)
	if err != nil {
		return e, 0, err
	}
	for attempt := range maxClaims {
		if attempt > 0 {
			// Another kiosk took the number: wait a moment, a little longer
			// each time, so that busy kiosks stop colliding in step.
			time.Sleep(time.Duration(rand.Int64N(int64(attempt)*200)) * time.Microsecond)
		}
		next, last, lastAt, err := b.nextNumber(ctx, st, subj, e)
		if err != nil {
			return e, 0, err
		}
		e.Seq = next
		if e.Kind == queue.Issued && !e.At.After(lastAt) {
			// Call order is by issue time: a kiosk that lost a race for a
			// number (or whose clock is behind) is still after the winner.
			e.At = lastAt.Add(time.Microsecond)
		}
		if e.Kind == queue.Issued {
			e.Number = queue.Number(e.Prefix, next)
		}
		if err := e.Validate(); err != nil {
			return e, 0, err
		}
		id := fmt.Sprintf("%s-%d", e.Token, next)
		if e.Kind == queue.Leased {
			id = fmt.Sprintf("lease-%s-%s-%s-%d", e.Kiosk, e.Day, e.Prefix, next)
		}
		ack, err := b.append(ctx, subj, e, jetstream.WithExpectLastSequencePerSubject(last), jetstream.WithMsgID(id))
		if errors.Is(err, queue.ErrConflict) {
			continue
		}
		if err != nil {
			return e, 0, err
		}
		return e, ack.Sequence, nil
	}
	return e, 0, fmt.Errorf("hall bus: no free number for prefix %s after %d tries", e.Prefix, maxClaims)
}

// OfflineFloor is the lowest number a lease may hand out: online numbers
// count up from 1 below it, leased blocks down from 9999 above it, so an
// offline ticket can never take an online number.
const OfflineFloor = 9000

// nextNumber reads the last claim on subj: the first number of e (a ticket
// or a leased block) and the stream sequence the claim must follow.
func (b *Bus) nextNumber(ctx context.Context, st jetstream.Stream, subj string, e queue.Event) (int, uint64, time.Time, error) {
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	var last queue.Event
	var seq uint64
	m, err := st.GetLastMsgForSubject(ctx, subj)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		last.Seq = 0
		if e.Kind == queue.Leased {
			last.Seq = 9999 + 1
		}
	case err != nil:
		return 0, 0, time.Time{}, b.explain("read last number on "+subj, err)
	default:
		seq = m.Sequence
		if err := json.Unmarshal(m.Data, &last); err != nil || last.Seq < 1 {
			return 0, 0, time.Time{}, fmt.Errorf("hall bus: the last claim on %s (sequence %d) is unreadable: %v", subj, m.Sequence, err)
		}
	}
	if e.Kind == queue.Leased {
		first := last.Seq - e.Count
		if first < OfflineFloor {
			return 0, 0, time.Time{}, fmt.Errorf("hall bus: prefix %s on %s: all offline numbers %d-9999 are leased", e.Prefix, e.Day, OfflineFloor)
		}
		return first, seq, last.At, nil
	}
	if last.Seq+1 >= OfflineFloor {
		return 0, 0, time.Time{}, fmt.Errorf("hall bus: prefix %s on %s: numbers up to %d are used; the rest are kept for offline kiosks", e.Prefix, e.Day, OfflineFloor-1)
	}
	return last.Seq + 1, seq, last.At, nil
}

// Sequences remembers, for the owner of a view, the stream sequence of the
// last step of each ticket and help request the view has applied: the
// compare-and-set of the next step a decision on that view makes. It is not
// safe for concurrent use; the view's goroutine owns it.
type Sequences struct {
	s    Subjects
	last map[string]uint64
}

// NewSequences returns an empty record for hall subjects s.
func NewSequences(s Subjects) *Sequences { return &Sequences{s: s, last: map[string]uint64{}} }

// Saw records a delivery (or an acknowledged publish) on subject.
func (q *Sequences) Saw(subject string, seq uint64) {
	if f := q.s.Family(subject); f != "" && seq > q.last[f] {
		q.last[f] = seq
	}
}

// Published records the sequence of an event this terminal published.
func (q *Sequences) Published(e queue.Event, seq uint64) {
	if subj, _, err := q.s.For(e); err == nil {
		q.Saw(subj, seq)
	}
}

// Expect is the sequence e's family must still end at.
func (q *Sequences) Expect(e queue.Event) uint64 {
	_, family, err := q.s.For(e)
	if err != nil {
		return 0
	}
	return q.last[family]
}

// Delivery is one message of the hall's stream as a terminal receives it.
// Err is set (and Event empty) when the message is not a valid event: it is
// to be logged and dropped.
type Delivery struct {
	Subject  string
	Sequence uint64
	Event    queue.Event
	Err      error
	// CaughtUp is set on the delivery after which nothing older is pending.
	CaughtUp bool
}

// Follow delivers the hall's events from since on, in stream order, to fn,
// until ctx ends. It returns once the consumer exists; fn runs on the
// consumer's goroutine. A stream with nothing to deliver reports CaughtUp
// with an empty Delivery.
func (b *Bus) Follow(ctx context.Context, since time.Time, fn func(Delivery)) error {
	cctx, cancel := b.ctx(ctx)
	defer cancel()
	cons, err := b.js.OrderedConsumer(cctx, b.Stream(), jetstream.OrderedConsumerConfig{
		FilterSubjects: b.Events(),
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
		OptStartTime:   &since,
	})
	if err != nil {
		return b.readError(b.Stream(), err)
	}
	info, err := cons.Info(cctx)
	if err != nil {
		return b.readError(b.Stream(), err)
	}
	if info.NumPending == 0 {
		fn(Delivery{CaughtUp: true})
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		d := Delivery{Subject: m.Subject()}
		if md, err := m.Metadata(); err == nil {
			d.Sequence = md.Sequence.Stream
			d.CaughtUp = md.NumPending == 0
		}
		d.Event, d.Err = decode(m.Subject(), m.Data())
		fn(d)
	})
	if err != nil {
		return b.explain("follow "+b.Stream(), err)
	}
	go func() {
		<-ctx.Done()
		cc.Stop()
	}()
	return nil
}

func decode(subject string, data []byte) (queue.Event, error) {
	var e queue.Event
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return queue.Event{}, fmt.Errorf("%s: %w: not a queue event: %v", subject, queue.ErrMalformed, err)
	}
	if err := e.Validate(); err != nil {
		return queue.Event{}, fmt.Errorf("%s: %w", subject, err)
	}
	return e, nil
}

// Fetch reads every event of the stream (and, with ratings, of the ratings
// stream) from since until now, merged by time: what a report folds.
func (b *Bus) Fetch(ctx context.Context, since time.Time, ratings bool) ([]queue.Event, []error, error) {
	streams := []string{b.Stream()}
	if ratings {
		streams = append(streams, b.Ratings())
	}
	var all []queue.Event
	var bad []error
	for _, name := range streams {
		evs, errs, err := b.fetch(ctx, name, since)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, evs...)
		bad = append(bad, errs...)
	}
	if ratings {
		sortStable(all)
	}
	return all, bad, nil
}

func (b *Bus) fetch(ctx context.Context, stream string, since time.Time) ([]queue.Event, []error, error) {
	cctx, cancel := b.ctx(ctx)
	defer cancel()
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &since}
	if stream == b.Stream() {
		cfg.FilterSubjects = b.Events()
	}
	cons, err := b.js.OrderedConsumer(cctx, stream, cfg)
	if err != nil {
		return nil, nil, b.readError(stream, err)
	}
	info, err := cons.Info(cctx)
	if err != nil {
		return nil, nil, b.readError(stream, err)
	}
	var evs []queue.Event
	var bad []error
	for left := info.NumPending; left > 0; {
		batch, err := cons.Fetch(int(min(left, 1000)), jetstream.FetchMaxWait(b.cfg.Timeout))
		if err != nil {
			return nil, nil, b.explain("read "+stream, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			e, err := decode(m.Subject(), m.Data())
			if err != nil {
				bad = append(bad, err)
				continue
			}
			evs = append(evs, e)
		}
		if err := batch.Error(); err != nil {
			return nil, nil, b.explain("read "+stream, err)
		}
		if n == 0 {
			break
		}
		left -= uint64(n)
	}
	return evs, bad, nil
}

// HallConfig returns the hall file the controller published last and its
// version, or ErrNoConfig.
func (b *Bus) HallConfig(ctx context.Context) ([]byte, string, error) {
	st, err := b.stream(ctx)
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := b.ctx(ctx)
	defer cancel()
	m, err := st.GetLastMsgForSubject(ctx, b.Config())
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, "", ErrNoConfig
	}
	if err != nil {
		return nil, "", b.explain("read the hall configuration", err)
	}
	return m.Data, m.Header.Get(VersionHeader), nil
}

// ErrNoConfig means the controller has not published a hall file yet.
var ErrNoConfig = errors.New("hall bus: no hall configuration published yet")

// VersionHeader carries the published hall file's version.
const VersionHeader = "Onetrip-Hall-Version"
