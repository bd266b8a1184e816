package testenv

import (
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Redis is a real redis-server on loopback, for the tests that share state
// through it (the test command installs it).
type Redis struct {
	Addr string
	bin  string
	stop func()
}

// StartRedis starts one; the test's cleanup stops it. Without redis-server
// installed the test is skipped, or fails under CI.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server is not installed; the test command installs it (see README)")
		}
		t.Skip("redis-server is not installed; ./test.sh installs it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Redis{Addr: ln.Addr().String(), bin: bin}
	ln.Close()
	r.Start(t)
	return r
}

// URL is the redis:// URL of its database 0.
func (r *Redis) URL() string { return "redis://" + r.Addr + "/0" }

// Stop kills it (it can be started again).
func (r *Redis) Stop() { r.stop() }

// Start starts it (again) on its address, ready.
func (r *Redis) Start(t testing.TB) {
	t.Helper()
	_, port, _ := net.SplitHostPort(r.Addr)
	cmd := exec.Command(r.bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	r.stop = func() { once.Do(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) }
	t.Cleanup(r.stop)
	for i := 0; !r.answersPing(); i++ {
		if i == 100 {
			t.Fatalf("redis-server never answered on %s", r.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// answersPing reports whether a Redis answers on its address: not merely
// something listening (another test's server may have taken the port).
func (r *Redis) answersPing() bool {
	c, err := net.DialTimeout("tcp", r.Addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	reply := make([]byte, 7)
	n, _ := io.ReadFull(c, reply)
	return string(reply[:n]) == "+PONG\r\n"
}
