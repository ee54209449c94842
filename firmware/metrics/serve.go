package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultAddr is where a terminal serves /metrics unless told otherwise:
// loopback, so only the board itself (or an SSH tunnel) can scrape it.
const DefaultAddr = "127.0.0.1:9464"

// CheckAddr refuses a metrics address that is not HOST:PORT, or whose host
// is not a loopback address (a host name, 0.0.0.0, the hall network) unless
// remote says the technician meant it.
func CheckAddr(addr string, remote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("metrics address %q: want HOST:PORT, e.g. %s", addr, DefaultAddr)
	}
	if ip := net.ParseIP(host); !remote && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("metrics address %q is not a loopback address; to serve metrics beyond this board, add --metrics-remote", addr)
	}
	return nil
}

// Listen opens addr, which CheckAddr accepted, for /metrics.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics on %s: %w", addr, err)
	}
	return ln, nil
}

// Serve answers GET /metrics on ln until ctx ends.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("metrics server stopped", "addr", ln.Addr().String(), "err", err)
	}
}
