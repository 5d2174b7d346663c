// Package webhook delivers the events of the transactional outbox
// (webhook_deliveries, written by database triggers in the transaction of
// each change) to the subscribers' URLs: signed POSTs, retried with
// exponential backoff and jitter, at least once.
//
// Several dispatchers (one per server instance) can run against one
// database: each claims due rows with FOR UPDATE SKIP LOCKED and hides them
// from the others for a lease; a dispatcher that dies mid-delivery leaves
// its rows to be claimed again when the lease ends, so no event is lost,
// and a receiver may see an event twice (X-CRM-Event-Id tells repeats).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/uptrace/bun"

	"github.com/telecaller-crm/api/db"
)

// Config tunes a dispatcher; zero fields take the defaults.
type Config struct {
	// Timeout bounds one delivery attempt (default 10s).
	Timeout time.Duration
	// PollInterval is the pause when nothing is due (default 1s).
	PollInterval time.Duration
	// Batch is how many deliveries one claim takes (default 20).
	Batch int
	// Lease hides claimed rows from other dispatchers (default 1m; must
	// exceed Timeout).
	Lease time.Duration
	// MaxAttempts before a delivery is marked failed (default 12).
	MaxAttempts int
	// BackoffBase and BackoffMax: attempt n waits base·2^(n-1), capped at
	// max, plus up to 20% jitter (defaults 10s and 1h).
	BackoffBase, BackoffMax time.Duration
	// AllowPrivate permits receivers on loopback, private and link-local
	// addresses (local development and tests). Off, such connections are
	// refused at dial time, whatever the URL's host name resolves to.
	AllowPrivate bool
	// Client overrides the HTTP client (tests).
	Client *http.Client
}

func (c *Config) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.Lease <= c.Timeout {
		c.Lease = c.Timeout + 50*time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 12
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = 10 * time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = time.Hour
	}
}

// Dispatcher delivers due webhook deliveries.
type Dispatcher struct {
	db     *bun.DB
	cfg    Config
	client *http.Client
	logger *slog.Logger
}

// New builds a dispatcher.
func New(bdb *bun.DB, cfg Config, logger *slog.Logger) *Dispatcher {
	cfg.defaults()
	if logger == nil {
		logger = slog.Default()
	}
	client := cfg.Client
	if client == nil {
		client = newClient(cfg)
	}
	return &Dispatcher{db: bdb, cfg: cfg, client: client, logger: logger}
}

// newClient is an HTTP client that follows no redirects (a redirect could
// lead to an internal address) and, unless allowed, refuses to connect to
// non-public addresses.
func newClient(cfg Config) *http.Client {
	dialer := &net.Dialer{Timeout: cfg.Timeout}
	if !cfg.AllowPrivate {
		dialer.Control = refusePrivate
	}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// refusePrivate rejects connections to loopback, private, link-local,
// multicast and unspecified addresses.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return fmt.Errorf("webhook: refusing to connect to non-public address %s", host)
	}
	return nil
}

// Run delivers until ctx ends. Deliveries in flight when it ends are
// finished or, past the lease, claimed again by the next dispatcher.
func (d *Dispatcher) Run(ctx context.Context) {
	d.logger.Info("webhook dispatcher started")
	for ctx.Err() == nil {
		n, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.logger.Warn("webhook dispatch failed", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(d.cfg.PollInterval):
		}
	}
	d.logger.Info("webhook dispatcher stopped")
}

// RunOnce claims one batch of due deliveries and attempts each, returning
// how many it claimed.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// A claim cancelled halfway could commit on the server unseen here,
	// leaving its rows to wait out the lease: let it finish.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Timeout)
	claimed, err := db.ClaimWebhookDeliveries(cctx, d.db, d.cfg.Batch, d.cfg.Lease)
	cancel()
	if err != nil {
		return 0, err
	}
	for _, c := range claimed {
		// Record outcomes even when ctx ends mid-batch: the attempt happened.
		out := d.attempt(ctx, c)
		if err := db.FinishWebhookDelivery(context.WithoutCancel(ctx), d.db, c.ID, out); err != nil {
			return len(claimed), err
		}
	}
	return len(claimed), nil
}

// attempt sends one delivery and decides what happens next.
func (d *Dispatcher) attempt(ctx context.Context, c *db.ClaimedDelivery) db.DeliveryOutcome {
	code, err := d.send(ctx, c)
	out := db.DeliveryOutcome{}
	if code != 0 {
		out.StatusCode = &code
	}
	if err == nil && code >= 200 && code < 300 {
		out.Delivered = true
		return out
	}
	msg := fmt.Sprintf("receiver answered %d", code)
	if err != nil {
		msg = err.Error()
	}
	if len(msg) > 500 {
		msg = msg[:500]
	}
	out.Error = &msg
	if c.Attempts < d.cfg.MaxAttempts {
		wait := d.backoff(c.Attempts)
		out.RetryIn = &wait
	}
	d.logger.Warn("webhook delivery failed", "delivery_id", c.ID, "event", c.Event, "attempt", c.Attempts, "err", msg)
	return out
}

// backoff is the wait after the n-th failed attempt: base·2^(n-1), capped,
// plus up to 20% jitter so that receivers coming back are not stampeded.
func (d *Dispatcher) backoff(n int) time.Duration {
	wait := d.cfg.BackoffBase
	for i := 1; i < n && wait < d.cfg.BackoffMax; i++ {
		wait *= 2
	}
	wait = min(wait, d.cfg.BackoffMax)
	return wait + time.Duration(rand.Int64N(int64(wait)/5+1))
}

// send POSTs the payload, signed, and returns the receiver's status.
func (d *Dispatcher) send(ctx context.Context, c *db.ClaimedDelivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(c.Payload))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "telecaller-crm-webhooks/1")
	req.Header.Set("X-CRM-Event", c.Event)
	req.Header.Set("X-CRM-Event-Id", c.EventID.String())
	req.Header.Set("X-CRM-Delivery-Id", c.ID.String())
	req.Header.Set(SignatureHeader, Sign([]byte(c.Secret), time.Now(), c.Payload))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// SignatureHeader carries the payload signature.
const SignatureHeader = "X-CRM-Signature"

// Sign returns the signature header value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ErrBadSignature is returned by Verify for a missing, malformed, stale or
// wrong signature.
var ErrBadSignature = errors.New("webhook: bad signature")

// Verify checks a signature header against body as a receiver should: the
// HMAC must match (compared in constant time) and t must be within
// tolerance of now, so that a captured request cannot be replayed later.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range bytes.Split([]byte(header), []byte(",")) {
		k, v, ok := bytes.Cut(bytes.TrimSpace(part), []byte("="))
		if !ok {
			continue
		}
		switch string(k) {
		case "t":
			ts = string(v)
		case "v1":
			sig = string(v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, ts, body))) {
		return ErrBadSignature
	}
	return nil
}
