// Package embedded runs the hall bus inside the hall controller: a NATS
// server with JetStream storing in the controller's data directory, its
// users one NKEY per terminal role with that role's permissions.
package embedded

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"onetrip/firmware/bus"
	"onetrip/firmware/hall"
)

// ServerOptions configure the embedded NATS server with JetStream.
type ServerOptions struct {
	Listen   string // host:port for terminals
	StoreDir string // JetStream's files
	Name     string // this server's name; each node of a cluster has its own
	// Cluster and Routes make this server one node of a cluster: Cluster is
	// this node's route address, Routes the others' (nats://host:port).
	Cluster     string
	Routes      []string
	ClusterName string
	// SyncInterval is how often JetStream writes its files through to the
	// disk; zero syncs every message before it is acknowledged, so a power
	// cut of the controller cannot hand a number out again.
	SyncInterval time.Duration
}

// Start starts the embedded server with one NKEY user per role, each
// with its role's permissions, and waits until it takes connections.
func Start(o ServerOptions, h *hall.Hall, keys *Keys) (*server.Server, error) {
	host, port, err := splitHostPort(o.Listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: %w", o.Listen, err)
	}
	opts := &server.Options{
		ServerName: o.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: 1 << 20,
	}
	if o.SyncInterval > 0 {
		opts.SyncInterval = o.SyncInterval
	} else {
		opts.SyncAlways = true
	}
	subj := bus.Subjects{Hall: h.ID}
	for role, pub := range keys.Public {
		u := &server.NkeyUser{Nkey: pub}
		if role != ControllerRole {
			p, ok := bus.Permissions(subj, h, role)
			if !ok {
				continue // a window no longer in the hall: its key stays unused
			}
			u.Permissions = &server.Permissions{
				Publish:   &server.SubjectPermission{Allow: p.Publish},
				Subscribe: &server.SubjectPermission{Allow: p.Subscribe},
			}
		}
		opts.Nkeys = append(opts.Nkeys, u)
	}
	if o.Cluster != "" {
		ch, cp, err := splitHostPort(o.Cluster)
		if err != nil {
			return nil, fmt.Errorf("--cluster %q: %w", o.Cluster, err)
		}
		opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: ch, Port: cp}
		for _, r := range o.Routes {
			opts.Routes = append(opts.Routes, server.RoutesFromStr(r)...)
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("hall bus server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(15 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("hall bus server on %s: not ready after 15 s (is the port taken?)", o.Listen)
	}
	return ns, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("port %q is not a number 0-65535", p)
	}
	return host, port, nil
}
