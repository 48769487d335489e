// milvus-tls-etcdprobe: dial an etcd endpoint exactly as Milvus's etcd client does (pkg/util/etcd/etcd_util.go,
// GetRemoteEtcdSSLClient; go.etcd.io/etcd/client/v3 over grpc-go), with real Go crypto/tls of the Milvus line:
//
//	ssl on:  tls.LoadX509KeyPair(tlsCert, tlsKey) (unconditionally, as Milvus), RootCAs = tlsCACert only,
//	         MinVersion from tlsMinVersion ("1.0".."1.3"), ServerName = the endpoint's host, ALPN h2 (grpc-go);
//	ssl off: plaintext TCP.
//
// then the HTTP/2 client preface and a SETTINGS frame, and one frame read back: a server that refuses the client
// certificate after a TLS 1.3 handshake says so here.
//
// With "client": "birdwatcher" the tls.Config is Birdwatcher's instead (milvus-io/birdwatcher@9e8cebedfb21
// states/etcd_connect.go getTLSConfig, in its order): the min_version switch ("1.0".."1.3", else "invalid min tls
// version"), RootCAs = x509.SystemCertPool() with the CA file appended (optional; a file without PEM: "Root CA PEM
// cannot be parsed"), tls.LoadX509KeyPair unconditionally ("failed to load etcd cert/key pair"), no ServerName of
// its own (grpc-go sets the endpoint's host), ALPN h2 (grpc-go). With "rpc": true, after the handshake a real etcd
// request is made over that connection: the gRPC call etcdserverpb.KV/Range for the key Birdwatcher pings
// (`<rootPath>/meta/session/id`) through net/http's HTTP/2 client; it passes only when etcd answers grpc-status 0.
//
// One JSON request on stdin, one `RESULT {json}` line on stdout. No key material is ever printed. Standard library
// only.
package main

import (
	"bytes"
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
	Endpoint   string `json:"endpoint"`
	SSL        bool   `json:"ssl"`
	Cert       string `json:"cert"`
	Key        string `json:"key"`
	CA         string `json:"ca"`
	MinVersion string `json:"min_version"`
	TimeoutMS  int    `json:"timeout_ms"`
	Client     string `json:"client"`    // "" (Milvus's etcd client) | "birdwatcher"
	RPC        bool   `json:"rpc"`       // a real etcd Range request after the handshake
	RangeKey   string `json:"range_key"` // the key it reads
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
	Answer     string `json:"answer"` // what etcd answered the request ("grpc-status 0, 12 bytes")
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

// In TLS 1.3 the server judges the client certificate after the client's side of the handshake is over, so its
// refusal is an alert waiting to be read, and the first write can fail before with "broken pipe" or "connection
// reset" (seen in CI: Birdwatcher's pair from another CA, 24 of 100 dials). The alert, when the server sent one, is
// the cause, as a grpc-go client reading the same connection reports it. keepOpen lets it still be read after
// net/http has closed the TLS connection (main closes the socket itself); a tls.Conn keeps an alert it has read.
type keepOpen struct{ net.Conn }

func (keepOpen) Close() error { return nil }

// serverAlert is the TLS alert the server sent on conn, if any (bounded; only after the connection failed).
func serverAlert(conn *tls.Conn) error {
	conn.SetReadDeadline(time.Now().Add(time.Second))
	_, err := conn.Read(make([]byte, 1))
	if err != nil && strings.Contains(err.Error(), "remote error: tls:") {
		return err
	}
	return nil
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

// birdwatcherConfig is getTLSConfig of milvus-io/birdwatcher@9e8cebedfb21 (states/etcd_connect.go lines 211-261),
// with what grpc-go adds when it dials (ServerName from the endpoint, ALPN h2).
func birdwatcherConfig(req request, host string) (*tls.Config, *result) {
	min, ok := versionOf(req.MinVersion)
	if !ok {
		return nil, &result{Class: "min_version", Error: "invalid min tls version, only 1.0, 1.1, 1.2 and 1.3 is supported"}
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		return nil, &result{Class: "ca", Error: err.Error()}
	}
	if req.CA != "" {
		bs, err := os.ReadFile(req.CA)
		if err != nil {
			return nil, &result{Class: "ca", Error: err.Error()}
		}
		if !pool.AppendCertsFromPEM(bs) {
			return nil, &result{Class: "ca", Error: "Root CA PEM cannot be parsed"}
		}
	}
	pair, err := tls.LoadX509KeyPair(req.Cert, req.Key)
	if err != nil {
		return nil, &result{Class: "client_pair", Error: "failed to load etcd cert/key pair: " + err.Error()}
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: min, ServerName: host,
		NextProtos: []string{"h2"}}, nil
}

// rangeCall makes the gRPC call etcdserverpb.KV/Range{key} over the handshaken connection (net/http's HTTP/2
// client, ALPN h2): etcd's answer, or the error that stopped it.
func rangeCall(conn *tls.Conn, endpoint, key string, deadline time.Time) (string, error) {
	used := false
	tr := &http.Transport{ForceAttemptHTTP2: true, DialTLSContext: func(context.Context, string, string) (net.Conn, error) {
		if used {
			return nil, errors.New("one connection only")
		}
		used = true
		return conn, nil
	}}
	defer tr.CloseIdleConnections()
	// RangeRequest{key: 1}: field 1, wire type 2; gRPC's frame: not compressed, big-endian length
	msg := append([]byte{0x0a, byte(len(key))}, key...)
	frame := append([]byte{0, 0, 0, 0, byte(len(msg))}, msg...)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, "POST", "https://"+endpoint+"/etcdserverpb.KV/Range",
		bytes.NewReader(frame))
	if err != nil {
		return "", err
	}
	hreq.Header.Set("Content-Type", "application/grpc")
	hreq.Header.Set("TE", "trailers")
	resp, err := (&http.Client{Transport: tr}).Do(hreq)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	status, message := resp.Trailer.Get("Grpc-Status"), resp.Trailer.Get("Grpc-Message")
	if status == "" { // a trailers-only answer (an error) carries them in the headers
		status, message = resp.Header.Get("Grpc-Status"), resp.Header.Get("Grpc-Message")
	}
	answer := fmt.Sprintf("%s, HTTP %d, grpc-status %s, %d bytes", resp.Proto, resp.StatusCode, status, len(body))
	if status != "0" {
		return answer, fmt.Errorf("etcd answered Range with grpc-status %q %s (HTTP %d)", status, message, resp.StatusCode)
	}
	return answer, nil
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
	if req.SSL && req.Client == "birdwatcher" {
		var refused *result
		if cfg, refused = birdwatcherConfig(req, host); refused != nil {
			emit(*refused)
			return
		}
	} else if req.SSL {
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
	conn := tls.Client(keepOpen{raw}, cfg)
	if err := conn.Handshake(); err != nil {
		emit(result{Class: tlsClass(err), Error: err.Error()})
		return
	}
	state := conn.ConnectionState()
	r := result{TLSVersion: versionName(state.Version), ALPN: state.NegotiatedProtocol}
	if req.RPC {
		answer, err := rangeCall(conn, req.Endpoint, req.RangeKey, deadline)
		r.Answer = answer
		if err != nil && !strings.HasPrefix(err.Error(), "etcd answered") {
			if alert := serverAlert(conn); alert != nil {
				err = alert
			}
		}
		if err != nil {
			r.Class, r.Error = tlsClass(err), err.Error()
			if strings.HasPrefix(r.Error, "etcd answered") {
				r.Class = "rpc"
			}
		} else {
			r.OK = true
		}
		emit(r)
		return
	}
	kind, _, err := readFrame(conn)
	if err != nil {
		if alert := serverAlert(conn); alert != nil {
			err = alert
		}
	}
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
