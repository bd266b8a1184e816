package vb365sim

import (
	"net"
	"net/http"
	"time"
)

// Listening is a simulator served on a loopback port, as demo mode runs it,
// so that even demo calls cross real HTTP. Whoever starts it closes it.
type Listening struct {
	*Server
	URL string // http://127.0.0.1:PORT
	srv *http.Server
}

// Listen serves a new simulator on a free loopback port.
func Listen(opts Options) (*Listening, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sim := New(opts)
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &Listening{Server: sim, URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// Close stops serving and ends the connections open to it.
func (l *Listening) Close() error { return l.srv.Close() }
