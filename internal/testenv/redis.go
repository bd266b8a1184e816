package testenv

import (
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
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", r.Addr); err == nil {
			c.Close()
			return
		}
		if i == 100 {
			t.Fatalf("redis-server never listened on %s", r.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
