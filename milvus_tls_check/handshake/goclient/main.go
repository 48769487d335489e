// milvus-tls-goclient: a Go client of Milvus, with the TLS configuration the Go SDK (milvusclient, and the Go tools
// built on it: milvus-backup, milvus-cdc) hands to grpc-go:
//
//	credentials.NewTLS(&tls.Config{ServerName: <server name>, RootCAs: <CA file>, Certificates: <client pair>})
//
// grpc-go clones the config, appends "h2" to NextProtos and, when ServerName is empty, takes the host of the
// dialled address (the port split off). RootCAs nil means the system roots.
//
// It makes one gRPC call (MilvusService/GetVersion) over HTTP/2 with the standard library, so a tlsMode 2 server
// that refuses the client certificate after a TLS 1.3 handshake is seen, as grpc-go would see it.
//
// Output: one line, RESULT {json}. Standard library only, Go 1.18 language level.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"
)

type result struct {
	OK         bool   `json:"ok"`
	Stage      string `json:"stage"` // "config" | "dial" | "handshake" | "rpc" | ""
	Error      string `json:"error"`
	TLSVersion string `json:"tls_version"`
	ALPN       string `json:"alpn"`
	GrpcStatus string `json:"grpc_status"`
	Go         string `json:"go"`
	ServerName string `json:"server_name"`
}

func emit(r result) {
	r.Go = runtime.Version()
	b, _ := json.Marshal(r)
	fmt.Println("RESULT " + string(b))
}

func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

func main() {
	addr := flag.String("addr", "", "host:port the client dials")
	serverName := flag.String("server-name", "", "tls.Config.ServerName (empty: the host of -addr, as grpc-go)")
	caPath := flag.String("ca", "", "PEM file for tls.Config.RootCAs (empty: system roots)")
	certPath := flag.String("cert", "", "client certificate PEM (with -key: tls.Config.Certificates)")
	keyPath := flag.String("key", "", "client key PEM")
	timeout := flag.Duration("timeout", 5*time.Second, "for the whole attempt")
	flag.Parse()

	cfg := &tls.Config{ServerName: *serverName, NextProtos: []string{"h2"}}
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(*addr)
		if err != nil {
			host = *addr
		}
		cfg.ServerName = host
	}
	if *caPath != "" {
		pem, err := os.ReadFile(*caPath)
		if err != nil {
			emit(result{Stage: "config", Error: "read CA: " + err.Error(), ServerName: cfg.ServerName})
			return
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			// what a Go application does next varies; the usual code (and milvus-backup) stops here
			emit(result{Stage: "config", Error: "x509: no certificate could be appended from " + *caPath +
				" (AppendCertsFromPEM returned false)", ServerName: cfg.ServerName})
			return
		}
		cfg.RootCAs = pool
	}
	if *certPath != "" && *keyPath != "" {
		pair, err := tls.LoadX509KeyPair(*certPath, *keyPath)
		if err != nil {
			emit(result{Stage: "config", Error: "tls.LoadX509KeyPair: " + err.Error(), ServerName: cfg.ServerName})
			return
		}
		cfg.Certificates = []tls.Certificate{pair}
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	dialer := &net.Dialer{}
	raw, err := dialer.DialContext(ctx, "tcp", *addr)
	if err != nil {
		emit(result{Stage: "dial", Error: err.Error(), ServerName: cfg.ServerName})
		return
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		conn.Close()
		emit(result{Stage: "handshake", Error: err.Error(), ServerName: cfg.ServerName})
		return
	}
	st := conn.ConnectionState()
	r := result{TLSVersion: versionName(st.Version), ALPN: st.NegotiatedProtocol, ServerName: cfg.ServerName}
	if st.NegotiatedProtocol != "h2" {
		conn.Close()
		r.Stage, r.Error = "handshake", "credentials: cannot check peer: missing selected ALPN property"
		emit(r)
		return
	}
	used := false
	tr := &http.Transport{
		ForceAttemptHTTP2: true,
		TLSClientConfig:   cfg,
		DialTLSContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			if used {
				return nil, fmt.Errorf("second connection not expected")
			}
			used = true
			return conn, nil
		},
	}
	client := &http.Client{Transport: tr, Timeout: *timeout}
	body := bytes.NewReader([]byte{0, 0, 0, 0, 0}) // an empty GetVersionRequest in a gRPC frame
	url := "https://" + cfg.ServerName + "/milvus.proto.milvus.MilvusService/GetVersion"
	if strings.Contains(cfg.ServerName, ":") || cfg.ServerName == "" {
		url = "https://milvus/milvus.proto.milvus.MilvusService/GetVersion"
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", url, body)
	req.Header.Set("content-type", "application/grpc")
	req.Header.Set("te", "trailers")
	resp, err := client.Do(req)
	if err != nil {
		r.Stage, r.Error = "rpc", err.Error()
		emit(r)
		return
	}
	_, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	status := resp.Trailer.Get("grpc-status")
	if status == "" {
		status = resp.Header.Get("grpc-status")
	}
	r.GrpcStatus = status
	if rerr != nil {
		r.Stage, r.Error = "rpc", rerr.Error()
		emit(r)
		return
	}
	if resp.StatusCode != 200 || status != "0" {
		r.Stage = "rpc"
		r.Error = fmt.Sprintf("HTTP %d grpc-status %s %s", resp.StatusCode, status, resp.Trailer.Get("grpc-message"))
		emit(r)
		return
	}
	r.OK = true
	emit(r)
}
