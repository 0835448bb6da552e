package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/roomplanner/planner/cmd/internal/serve"
	"github.com/roomplanner/planner/web/service"
)

// instance is one planner service of the demo and, when there are several,
// the loopback listener it serves on behind the round-robin proxy.
type instance struct {
	svc *service.Service
	ln  net.Listener // nil for a lone instance: it serves at the planner address
	url string
}

// openInstances opens n planner services on db, all with publicURL as their
// public URL (the tokens' issuer and the live channel's origin), so that any
// of them verifies what another issued. It returns them with a function that
// closes them all.
func openInstances(ctx context.Context, n int, db, publicURL string, consoleTokenTTL time.Duration, getenv func(string) string, log *slog.Logger) ([]instance, func(), error) {
	var insts []instance
	closeAll := func() {
		for _, in := range insts {
			in.svc.Close()
			if in.ln != nil {
				in.ln.Close()
			}
		}
	}
	for i := range n {
		svc, err := service.Open(ctx, service.Config{DB: db, Migrate: true, PublicURL: publicURL, Getenv: getenv,
			ConsoleTokenTTL: consoleTokenTTL, Logger: log.With("instance", i+1)})
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		in := instance{svc: svc, url: publicURL}
		if n > 1 {
			if in.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				svc.Close()
				closeAll()
				return nil, nil, fmt.Errorf("planner instance %d: %w", i+1, err)
			}
			in.url = "http://" + in.ln.Addr().String()
		}
		insts = append(insts, in)
	}
	return insts, closeAll, nil
}

// plannerServers returns what serve.Run serves for the planner: a lone instance at
// the planner address, or each instance on its own port and a round-robin
// reverse proxy at the planner address.
func plannerServers(insts []instance, plannerLn net.Listener, log *slog.Logger) ([]serve.Server, error) {
	if len(insts) == 1 {
		return []serve.Server{instanceServer(insts[0].svc, plannerLn)}, nil
	}
	var out []serve.Server
	for _, in := range insts {
		out = append(out, instanceServer(in.svc, in.ln))
	}
	proxy, err := roundRobin(insts, log)
	if err != nil {
		return nil, err
	}
	out = append(out, serve.Server{HTTP: &http.Server{Handler: proxy}, Listener: plannerLn, Streaming: service.LiveRoute})
	return out, nil
}

func instanceServer(svc *service.Service, ln net.Listener) serve.Server {
	srv := &http.Server{Handler: svc.Handler()}
	// The live channel's sockets are upgraded connections Shutdown ignores.
	srv.RegisterOnShutdown(func() { _ = svc.CloseLive() })
	return serve.Server{HTTP: srv, Listener: ln, Streaming: service.LiveRoute}
}

// roundRobin is the demo's load balancer: each request (a WebSocket upgrade
// included; ReverseProxy passes the 101 and the connection through) goes to
// the next instance. The Host header is kept, so every instance sees the
// public address, as behind a real load balancer; X-Planner-Instance says
// which instance answered.
func roundRobin(insts []instance, log *slog.Logger) (http.Handler, error) {
	if len(insts) == 0 {
		return nil, errors.New("no planner instance to proxy to")
	}
	targets := make([]*url.URL, len(insts))
	for i, in := range insts {
		u, err := url.Parse(in.url)
		if err != nil {
			return nil, err
		}
		targets[i] = u
	}
	var next atomic.Uint64
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			i := int((next.Add(1) - 1) % uint64(len(targets)))
			r.SetURL(targets[i])
			r.Out.Host = r.In.Host
			r.Out.Header.Set("X-Planner-Instance", strconv.Itoa(i+1))
		},
		ModifyResponse: func(res *http.Response) error {
			res.Header.Set("X-Planner-Instance", res.Request.Header.Get("X-Planner-Instance"))
			return nil
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}, nil
}
