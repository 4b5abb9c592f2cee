package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// startTimeout bounds how long a server may take to serve after it is started (migrations
// included).
const startTimeout = 60 * time.Second

// server runs `aftersales serve` on one store and one address, and again after each kill.
type server struct {
	bin    string
	args   []string
	logDir string
	base   string // http://host:port, as the first process printed it
	procs  []*proc
}

// proc is one process of the server.
type proc struct {
	n       int
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once the process has exited
	ended   atomic.Bool   // killed or stopped by us: an exit that is not a crash
	state   *os.ProcessState
}

var servingLine = regexp.MustCompile(`serving on (http://\S+)`)

// current is the process started last.
func (s *server) current() *proc { return s.procs[len(s.procs)-1] }

// start starts a process and waits until it serves.
func (s *server) start(ctx context.Context) (*proc, error) {
	p := &proc{n: len(s.procs) + 1, done: make(chan struct{})}
	p.logPath = filepath.Join(s.logDir, fmt.Sprintf("serve-%d.log", p.n))
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(s.bin, s.args...)
	// The flags decide the store, not variables of the caller's environment.
	p.cmd.Env = envWithout("AFTERSALES_")
	p.cmd.SysProcAttr = sysProcAttr()
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	p.cmd.Stderr = logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.procs = append(s.procs, p)
	served := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if m := servingLine.FindStringSubmatch(line); m != nil {
				select {
				case served <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(logf, stdout)
		_ = p.cmd.Wait() // after the last read of stdout, as exec asks
		p.state = p.cmd.ProcessState
		logf.Close()
		close(p.done)
	}()
	t := time.NewTimer(startTimeout)
	defer t.Stop()
	select {
	case base := <-served:
		if s.base == "" {
			s.base = base
		} else if base != s.base {
			p.kill()
			return nil, fmt.Errorf("server %d serves on %s, not on %s as before", p.n, base, s.base)
		}
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("server %d exited before serving (%s):\n%s", p.n, p.state, p.tail(30))
	case <-t.C:
		p.kill()
		return nil, fmt.Errorf("server %d did not serve within %v:\n%s", p.n, startTimeout, p.tail(30))
	case <-ctx.Done():
		p.kill()
		return nil, ctx.Err()
	}
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to end.
func (p *proc) kill() {
	p.ended.Store(true)
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop asks the process to shut down (SIGTERM) and waits; an exit status other than 0,
// or no exit within timeout (then SIGKILL), is an error.
func (p *proc) stop(timeout time.Duration) error {
	p.ended.Store(true)
	if p.exited() {
		return fmt.Errorf("server %d had already exited (%s)", p.n, p.state)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		p.kill()
		return fmt.Errorf("server %d did not stop within %v of SIGTERM", p.n, timeout)
	}
	if !p.state.Success() {
		return fmt.Errorf("server %d stopped on SIGTERM with %s", p.n, p.state)
	}
	return nil
}

// tail is the end of the process's log: n lines at most.
func (p *proc) tail(n int) string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freeAddr is addr with a free port when its port is 0: the port stays the same across
// restarts, so that clients and the gateway's callbacks find the next process.
func freeAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if port != "0" {
		return addr, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("find a free port on %s: %w", host, err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// envWithout is the environment less the variables starting with prefix.
func envWithout(prefix string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, prefix) {
			env = append(env, kv)
		}
	}
	return env
}

// exitCode is the exit status of a finished command's error (0 for nil, -1 when it did
// not run to an exit).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}
