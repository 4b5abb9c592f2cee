// Package smtptest runs a real SMTP server (emersion/go-smtp) inside a test: it keeps
// what it accepts and refuses the recipients it is told to.
package smtptest

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Server is an SMTP server's inside: what it accepted, and whom it refuses (by address,
// with the reply).
type Server struct {
	mu     sync.Mutex
	msgs   []Received
	refuse map[string]*smtp.SMTPError
}

// NewSession implements smtp.Backend.
func (b *Server) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

// Messages are the messages accepted so far.
func (b *Server) Messages() []Received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Received(nil), b.msgs...)
}

type session struct {
	b    *Server
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err, ok := s.b.refuse[to]; ok {
		return err
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.msgs = append(s.b.msgs, Received{s.from, s.to, data})
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// Start runs an SMTP server on a free local port until the test ends and returns it and
// the --smtp-url for it (no TLS, from noreply@aftersales.test, 售后服务平台).
func Start(t testing.TB, refuse map[string]*smtp.SMTPError) (*Server, string) {
	t.Helper()
	be := &Server{refuse: refuse}
	srv := smtp.NewServer(be)
	srv.Domain = "mx.test"
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	port := l.Addr().(*net.TCPAddr).Port
	return be, "smtp://127.0.0.1:" + strconv.Itoa(port) + "?from=noreply@aftersales.test&from_name=" +
		"%E5%94%AE%E5%90%8E%E6%9C%8D%E5%8A%A1%E5%B9%B3%E5%8F%B0&tls=none&timeout=5s" // from_name 售后服务平台
}
