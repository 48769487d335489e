// milvus-tls-etcdprobe: dial an etcd endpoint exactly as Milvus's etcd client does (pkg/util/etcd/etcd_util.go,
// GetRemoteEtcdSSLClient; go.etcd.io/etcd/client/v3 over grpc-go), with real Go crypto/tls of the Milvus line:
//
//	ssl on:  tls.LoadX509KeyPair(tlsCert, tlsKey) (unconditionally, as Milvus), RootCAs = tlsCACert only,
//	         MinVersion from tlsMinVersion ("1.0".."1.3"), ServerName = the endpoint's host, ALPN h2 (grpc-go);
//	ssl off: plaintext TCP.
//
// then the HTTP/2 client preface and a SETTINGS frame, and one frame read back: a server that refuses the client
// certificate after a TLS 1.3 handshake says so here. One JSON request on stdin, one `RESULT {json}` line on stdout.
// No key material is ever printed. Standard library only.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"time"
)

type request struct {
	Endpoint   string `json:"endpoint"`
	SSL        bool   `json:"ssl"`
	Cert       string `json:"cert"`
	Key        string `json:"key"`
	CA         string `json:"ca"`
	MinVersion string `json:"min_version"`
	TimeoutMS  int    `json:"timeout_ms"`
	Connect    string `json:"connect"` // --connect-to: the TCP destination; ServerName stays the endpoint's host
}

type result struct {
	OK         bool   `json:"ok"`
	Class      string `json:"class"`
	Error      string `json:"error"`
	Go         string `json:"go"`
	TLSVersion string `json:"tls_version"`
	ALPN       string `json:"alpn"`
	CouldNot   bool   `json:"could_not_run"`
}

func emit(r result) {
	r.Go = runtime.Version()
	b, _ := json.Marshal(r)
	fmt.Printf("RESULT %s\n", b)
}

func versionOf(v string) (uint16, bool) {
	switch v {
	case "1.0":
		return tls.VersionTLS10, true
	case "1.1":
		return tls.VersionTLS11, true
	case "1.2":
		return tls.VersionTLS12, true
	case "1.3":
		return tls.VersionTLS13, true
	}
	return 0, false
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

func dialClass(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return "unresolved"
	case errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(err.Error(), "timeout"):
		return "timeout"
	case errors.As(err, &opErr) && strings.Contains(err.Error(), "refused"):
		return "refused"
	}
	return "dial"
}

func tlsClass(err error) string {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	text := err.Error()
	switch {
	case errors.As(err, &ua):
		return "unknown_authority"
	case errors.As(err, &he):
		return "hostname"
	case errors.As(err, &ci):
		return "invalid"
	case strings.Contains(text, "protocol version"):
		return "version"
	case strings.Contains(text, "bad certificate"), strings.Contains(text, "certificate required"),
		strings.Contains(text, "unknown certificate authority"), strings.Contains(text, "certificate unknown"):
		return "client_cert_rejected"
	case strings.Contains(text, "first record does not look like a TLS handshake"),
		strings.Contains(text, "oversized record"), errors.Is(err, io.EOF),
		strings.Contains(text, "connection reset by peer"):
		return "plaintext_server"
	case errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(text, "timeout"):
		return "timeout"
	}
	return "handshake"
}

var preface = append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 4, 0, 0, 0, 0, 0)

// readFrame writes the HTTP/2 client preface and reads the first frame header back: a SETTINGS frame (type 4)
// is an HTTP/2 server (etcd's gRPC).
func readFrame(c net.Conn) (byte, []byte, error) {
	if _, err := c.Write(preface); err != nil {
		return 0, nil, err
	}
	head := make([]byte, 9)
	n, err := io.ReadFull(c, head)
	if err != nil {
		return 0, head[:n], err
	}
	return head[3], head, nil
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
	host, _, err := net.SplitHostPort(req.Endpoint)
	if err != nil {
		emit(result{Class: "request", Error: err.Error(), CouldNot: true})
		return
	}
	var cfg *tls.Config
	if req.SSL {
		pair, err := tls.LoadX509KeyPair(req.Cert, req.Key)
		if err != nil {
			emit(result{Class: "client_pair", Error: "load etcd cert key pair error: " + err.Error()})
			return
		}
		caPEM, err := os.ReadFile(req.CA)
		if err != nil {
			emit(result{Class: "ca", Error: "load etcd CACert file error: " + err.Error()})
			return
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caPEM)
		min, ok := versionOf(req.MinVersion)
		if !ok {
			emit(result{Class: "min_version", Error: "unknown TLS version," + req.MinVersion})
			return
		}
		cfg = &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool, MinVersion: min,
			ServerName: host, NextProtos: []string{"h2"}}
	}
	deadline := time.Now().Add(timeout)
	dialAddr := req.Endpoint
	if req.Connect != "" {
		dialAddr = req.Connect
	}
	raw, err := net.DialTimeout("tcp", dialAddr, timeout)
	if err != nil {
		emit(result{Class: dialClass(err), Error: err.Error(), CouldNot: true})
		return
	}
	defer raw.Close()
	raw.SetDeadline(deadline)
	if cfg == nil {
		kind, head, err := readFrame(raw)
		switch {
		case err == nil && kind == 4:
			emit(result{OK: true, Class: "plaintext"})
		case err != nil && len(head) == 0:
			emit(result{Class: "tls_server", Error: "error reading server preface: " + err.Error()})
		case len(head) > 0 && (head[0] == 0x15 || strings.HasPrefix(string(head), "HTTP/")):
			emit(result{Class: "tls_server", Error: fmt.Sprintf("the server answered plaintext HTTP/2 with %q", head)})
		default:
			emit(result{Class: "not_h2", Error: fmt.Sprintf("no HTTP/2 SETTINGS frame: %q %v", head, err)})
		}
		return
	}
	conn := tls.Client(raw, cfg)
	if err := conn.Handshake(); err != nil {
		emit(result{Class: tlsClass(err), Error: err.Error()})
		return
	}
	state := conn.ConnectionState()
	kind, _, err := readFrame(conn)
	r := result{TLSVersion: versionName(state.Version), ALPN: state.NegotiatedProtocol}
	switch {
	case err != nil:
		r.Class, r.Error = tlsClass(err), "error reading server preface: "+err.Error()
	case kind != 4:
		r.Class, r.Error = "not_h2", fmt.Sprintf("the first frame is type %d, not SETTINGS", kind)
	default:
		r.OK = true
	}
	emit(r)
}
