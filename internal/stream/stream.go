// Package stream publishes case events to NATS JetStream.
//
// With --nats-url every case event is also published to a JetStream stream on the subject
// "aftersales.<merchant>.<event>", exactly once per event: the outbox relay
// (internal/scheduler) delivers each event at least once, retrying with the same event id
// after any error, and every publish carries that id as its Nats-Msg-Id, so the stream's
// de-duplication window stores a retried event only once. A publish that reached the stream
// but whose acknowledgement was lost (the server died, the connection broke) is therefore
// an error here, the relay publishes it again later, and the second publish is
// acknowledged as a duplicate, which is success.
package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of Options.
const (
	DefaultStream = "AFTERSALES"
	// DefaultSubject is the subject filter of the stream: every event subject is under it.
	DefaultSubject = "aftersales.>"
	// DefaultDuplicateWindow is how long the stream remembers a message id. JetStream's own
	// default (2 min) is shorter than the relay's retries: a failed delivery comes back
	// after 1 s, 2 s, 4 s, … 256 s (about 9 min, with the publish timeouts, until the tenth
	// failure makes it a dead letter), and a relay that crashed after a publish hands the
	// message on only when its lease runs out, or when the process is back after an outage.
	// The window counts from when the message was first stored, so it must cover the whole
	// retry schedule and a restart with room to spare; two hours does, while keeping the
	// server's in-memory id table (one entry per event of the window) small. A longer
	// window costs server memory and only helps against longer outages, after which a
	// duplicate is possible.
	DefaultDuplicateWindow = 2 * time.Hour
	// DefaultTimeout is how long a publish waits for its acknowledgement.
	DefaultTimeout = 5 * time.Second
	// SubjectPrefix is the first token of every event subject.
	SubjectPrefix = "aftersales"
)

// Options configures a Publisher; zero fields take the defaults above.
type Options struct {
	Stream          string        // DefaultStream
	Subjects        []string      // [DefaultSubject]
	DuplicateWindow time.Duration // DefaultDuplicateWindow
	Timeout         time.Duration // DefaultTimeout: the wait for a publish's acknowledgement
	Logger          *slog.Logger  // slog.Default()

	// natsOptions are appended to the connection's options (the tests shorten the
	// reconnect wait).
	natsOptions []nats.Option
}

func (o *Options) defaults() {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if len(o.Subjects) == 0 {
		o.Subjects = []string{DefaultSubject}
	}
	if o.DuplicateWindow <= 0 {
		o.DuplicateWindow = DefaultDuplicateWindow
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Publisher publishes events to a JetStream stream, each with Nats-Msg-Id = its event id.
// It is safe for concurrent use.
type Publisher struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream string
	opts   Options
}

// Connect connects to the NATS server at url (a comma-separated list of servers is
// accepted), reconnecting forever once connected, and creates the stream, or updates an
// existing one to take the subjects and the duplicate window. It fails if the server cannot
// be reached or the stream cannot be set up.
func Connect(url string, o Options) (*Publisher, error) {
	o.defaults()
	log := o.Logger
	nopts := []nats.Option{
		nats.Name("aftersales"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats: disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats: reconnected", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn("nats: error", "err", err)
		}),
	}
	nopts = append(nopts, o.natsOptions...)
	nc, err := nats.Connect(url, nopts...)
	if err != nil {
		return nil, fmt.Errorf("stream: connecting to nats: %w", err)
	}
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(o.Timeout))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("stream: jetstream: %w", err)
	}
	p := &Publisher{nc: nc, js: js, stream: o.Stream, opts: o}
	ctx, cancel := context.WithTimeout(context.Background(), 2*o.Timeout)
	defer cancel()
	if err := p.ensureStream(ctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("stream: setting up stream %s: %w", o.Stream, err)
	}
	return p, nil
}

// ensureStream creates the stream, or updates an existing one to hold our subjects and
// duplicate window, keeping everything else (limits an operator set) as it is.
func (p *Publisher) ensureStream(ctx context.Context) error {
	for range 2 {
		s, err := p.js.Stream(ctx, p.stream)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			_, err = p.js.CreateStream(ctx, jetstream.StreamConfig{
				Name:        p.stream,
				Description: "after-sales case events",
				Subjects:    p.opts.Subjects,
				Storage:     jetstream.FileStorage,
				Duplicates:  p.opts.DuplicateWindow,
			})
			if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				continue // another replica created it meanwhile: update that one
			}
			return err
		}
		if err != nil {
			return err
		}
		cfg := s.CachedInfo().Config
		changed := false
		for _, subj := range p.opts.Subjects {
			if !slices.Contains(cfg.Subjects, subj) {
				cfg.Subjects = append(cfg.Subjects, subj)
				changed = true
			}
		}
		window := p.opts.DuplicateWindow
		if cfg.MaxAge > 0 && window > cfg.MaxAge {
			p.opts.Logger.Warn("stream: duplicate window cut to the stream's max age", "stream", p.stream, "window", window, "max_age", cfg.MaxAge)
			window = cfg.MaxAge
		}
		if cfg.Duplicates != window {
			cfg.Duplicates = window
			changed = true
		}
		if cfg.Storage != jetstream.FileStorage {
			p.opts.Logger.Warn("stream: the existing stream is not stored on file; events can be lost when the server restarts", "stream", p.stream, "storage", cfg.Storage.String())
		}
		if changed {
			_, err = p.js.UpdateStream(ctx, cfg)
		}
		return err
	}
	return errors.New("stream created and gone again")
}

// Publish publishes data on subject with msgID as its Nats-Msg-Id and waits for the
// stream's acknowledgement, for at most the Timeout. An acknowledgement that the message
// is a duplicate (the stream already holds msgID) is success. Any failure is an error,
// after which the message may or may not be stored: publish it again with the same msgID.
func (p *Publisher) Publish(ctx context.Context, subject, msgID string, data []byte) error {
	ack, err := p.publish(ctx, subject, msgID, data)
	if err != nil {
		return err
	}
	if ack.Duplicate {
		p.opts.Logger.Debug("stream: already published", "id", msgID, "subject", subject, "seq", ack.Sequence)
	}
	return nil
}

// publish is Publish answering the acknowledgement.
func (p *Publisher) publish(ctx context.Context, subject, msgID string, data []byte) (*jetstream.PubAck, error) {
	if msgID == "" {
		return nil, errors.New("stream: publish without a message id")
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	ack, err := p.js.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: data},
		jetstream.WithMsgID(msgID), jetstream.WithExpectStream(p.stream))
	if err != nil {
		return nil, fmt.Errorf("stream: publishing %s on %s: %w", msgID, subject, err)
	}
	return ack, nil
}

// Close closes the connection. Publishes are synchronous, so nothing acknowledged is lost;
// a publish still waiting fails (and is retried by its caller).
func (p *Publisher) Close() {
	p.nc.Close()
}

// PublishEvent publishes a merchant's event under its subject (Subject), with the event
// id as the message id: what the application's event stream asks of a publisher.
func (p *Publisher) PublishEvent(ctx context.Context, merchant, event, id string, data []byte) error {
	return p.Publish(ctx, Subject(merchant, event), id, data)
}

// Subject builds "aftersales.<merchant>.<event>" for an event like "case.approve" or
// "case.created". The merchant becomes a single subject token: every character outside
// [A-Za-z0-9_-] becomes '_' (so "a.b" and "a_b" share a subject), and an empty merchant
// (a platform event) is "_platform". Each dot-separated token of the event is sanitised
// the same way, an empty token becoming "_", so the result is always a valid subject
// without wildcards.
func Subject(merchant, event string) string {
	var b strings.Builder
	b.Grow(len(SubjectPrefix) + len(merchant) + len(event) + 2)
	b.WriteString(SubjectPrefix)
	b.WriteByte('.')
	if merchant == "" {
		b.WriteString("_platform")
	} else {
		token(&b, merchant)
	}
	for t := range strings.SplitSeq(event, ".") {
		b.WriteByte('.')
		if t == "" {
			b.WriteByte('_')
		} else {
			token(&b, t)
		}
	}
	return b.String()
}

func token(b *strings.Builder, s string) {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
}
