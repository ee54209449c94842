//go:build !kiosk

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"onetrip/firmware/bus"
	"onetrip/firmware/controller"
	"onetrip/firmware/datadir"
	"onetrip/firmware/hall"
)

// hallCommand runs the hall controller.
func hallCommand(args []string) int {
	fs := flag.NewFlagSet("onetrip hall", flag.ContinueOnError)
	var o controller.Options
	var busURLs, routes string
	var tf tlsFlags
	fs.StringVar(&o.HallFile, "hall", "", "the hall file (required)")
	fs.StringVar(&o.Data, "data", "", "data directory: the bus's streams and the role credentials (required)")
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:4222", "address of the embedded hall bus for the terminals")
	fs.StringVar(&busURLs, "bus", "", "join this NATS cluster instead of running a server (comma-separated URLs)")
	fs.StringVar(&o.Creds, "creds", "", "credentials on that cluster")
	fs.StringVar(&o.Web, "web", "", "serve the phone page and the office page on this address, e.g. 0.0.0.0:8080")
	fs.StringVar(&o.PublicURL, "public-url", "", "how phones reach --web (fills the hall's queue_link when it has none), e.g. http://10.0.0.2:8080")
	fs.StringVar(&o.Server.Name, "server-name", "", "this server's name (each node of a cluster needs its own)")
	fs.StringVar(&o.Server.Cluster, "cluster", "", "cluster route address of this node, e.g. 127.0.0.1:6222")
	fs.StringVar(&routes, "routes", "", "the other nodes' routes, comma-separated nats://HOST:PORT")
	fs.StringVar(&o.Server.ClusterName, "cluster-name", "onetrip", "the cluster's name")
	fs.IntVar(&o.Replicas, "replicas", 1, "copies of each stream (3 in a three-node cluster)")
	fs.DurationVar(&o.Server.SyncInterval, "sync-interval", 0, "write the bus's files to disk this often instead of before each acknowledgement (0: every message; a power cut then loses nothing)")
	tf.register(fs)
	if err := parse(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "%s: %v (see %s -h)\n", fs.Name(), err, fs.Name())
		return exitConfig
	}
	switch {
	case o.HallFile == "":
		fmt.Fprintln(os.Stderr, "onetrip hall: --hall FILE is required")
		return exitConfig
	case o.Data == "":
		fmt.Fprintln(os.Stderr, "onetrip hall: --data DIR is required")
		return exitConfig
	}
	if busURLs != "" {
		o.Bus = strings.Split(busURLs, ",")
	}
	if routes != "" {
		o.Server.Routes = strings.Split(routes, ",")
	}
	if o.PublicURL == "" && o.Web != "" {
		o.PublicURL = "http://" + o.Web
	}
	release, err := datadir.Lock(o.Data)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip hall: %v\n", err)
		return exitConfig
	}
	defer release()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	o.Log = log
	log.Info("onetrip hall starting", "version", buildVersion().Version, "commit", buildVersion().Commit)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := controller.Start(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "onetrip hall: %v\n", err)
		var ce *controller.ConfigError
		var he *hall.Error
		if errors.As(err, &ce) || errors.As(err, &he) {
			return exitConfig
		}
		return 1
	}
	defer c.Close()
	log.Info("role credentials", "dir", filepath.Join(o.Data, "creds"), "roles", strings.Join(append(bus.Roles, "counter-N"), ","))
	if err := c.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "onetrip hall: %v\n", err)
		return 1
	}
	return 0
}
