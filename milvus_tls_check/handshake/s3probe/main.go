// milvus-tls-s3probe: dial an S3 endpoint as Milvus's Go object-storage client (minio-go) does, with real Go
// crypto/tls of the Milvus line:
//
//	ssl on:  GET https://<endpoint>/<bucket>/?location= with RootCAs = the roots file Go would load (Go's system
//	         pool as the Milvus container holds it: SSL_CERT_FILE, else /etc/ssl/certs/ca-certificates.crt),
//	         ServerName = the endpoint's host (Go's default);
//	ssl off: the same request over plain HTTP.
//
// Any HTTP answer (an S3 403 without credentials included) is a working link; a TLS server met with plain HTTP
// answers 400 "The plain HTTP request was sent to HTTPS port" (nginx) or "Client sent an HTTP request to an HTTPS
// server" (Go servers, MinIO). One JSON request on stdin, one `RESULT {json}` line on stdout. Standard library only.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"
)

type request struct {
	Endpoint  string `json:"endpoint"`
	SSL       bool   `json:"ssl"`
	Roots     string `json:"roots"`
	Bucket    string `json:"bucket"`
	TimeoutMS int    `json:"timeout_ms"`
	Connect   string `json:"connect"` // --connect-to: the TCP destination; the URL's host stays the name checked
}

type result struct {
	OK         bool   `json:"ok"`
	Class      string `json:"class"`
	Error      string `json:"error"`
	Go         string `json:"go"`
	TLSVersion string `json:"tls_version"`
	Status     int    `json:"status"`
	CouldNot   bool   `json:"could_not_run"`
}

func emit(r result) {
	r.Go = runtime.Version()
	b, _ := json.Marshal(r)
	fmt.Printf("RESULT %s\n", b)
}

var versions = map[uint16]string{tls.VersionTLS10: "TLS 1.0", tls.VersionTLS11: "TLS 1.1",
	tls.VersionTLS12: "TLS 1.2", tls.VersionTLS13: "TLS 1.3"}

func classify(err error) (string, bool) {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var op *net.OpError
	var dns *net.DNSError
	text := err.Error()
	switch {
	case errors.As(err, &ua):
		return "unknown_authority", false
	case errors.As(err, &he):
		return "hostname", false
	case errors.As(err, &ci):
		return "invalid", false
	case strings.Contains(text, "server gave HTTP response to HTTPS client"):
		return "plaintext_server", false
	case errors.As(err, &dns):
		return "unreachable", true
	case errors.As(err, &op) && op.Op == "dial":
		return "unreachable", true
	case strings.Contains(text, "timeout") || strings.Contains(text, "deadline"):
		return "timeout", true
	}
	return "handshake", false
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		emit(result{Class: "request", Error: err.Error(), CouldNot: true})
		return
	}
	timeout := time.Duration(req.TimeoutMS) * time.Millisecond
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	cfg := &tls.Config{}
	if req.SSL {
		pool := x509.NewCertPool()
		if req.Roots != "" {
			pem, err := os.ReadFile(req.Roots)
			if err != nil {
				emit(result{Class: "roots", Error: err.Error(), CouldNot: true})
				return
			}
			pool.AppendCertsFromPEM(pem)
		}
		cfg.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: timeout}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if req.Connect != "" {
			addr = req.Connect
		}
		return dialer.DialContext(ctx, network, addr)
	}
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: cfg, Proxy: nil,
		DisableKeepAlives: true, DialContext: dial}}
	scheme := "http"
	if req.SSL {
		scheme = "https"
	}
	resp, err := client.Get(fmt.Sprintf("%s://%s/%s/?location=", scheme, req.Endpoint, req.Bucket))
	if err != nil {
		cls, could := classify(err)
		emit(result{Class: cls, Error: err.Error(), CouldNot: could})
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	r := result{OK: true, Status: resp.StatusCode}
	if resp.TLS != nil {
		r.TLSVersion = versions[resp.TLS.Version]
	}
	b := string(body)
	if !req.SSL && resp.StatusCode == 400 && (strings.Contains(b, "plain HTTP request was sent to HTTPS port") ||
		strings.Contains(b, "Client sent an HTTP request to an HTTPS server")) {
		r.OK, r.Class = false, "tls_server"
		said := b
		if i := strings.Index(b, "<title>"); i >= 0 {
			said = strings.SplitN(b[i+len("<title>"):], "</title>", 2)[0]
		}
		if len(said) > 120 {
			said = said[:120]
		}
		r.Error = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(said))
	}
	emit(r)
}
