// milvus-tls-goproxy: Milvus's proxy TLS, in front of a plaintext gRPC backend.
//
// It loads the server files exactly as Milvus's proxy does (internal/distributed/proxy/service.go,
// Server.startExternalGrpc; the same in listener_manager.go for the HTTP port):
//
//	tlsMode 1: credentials.NewServerTLSFromFile(serverPemPath, serverKeyPath)
//	           = tls.LoadX509KeyPair, then credentials.NewTLS(&tls.Config{Certificates: ...})
//	           error: log "proxy can't create creds", the proxy does not start
//	tlsMode 2: tls.LoadX509KeyPair(serverPemPath, serverKeyPath)   error: "proxy cant load x509 key pair"
//	           os.ReadFile(caPemPath)                               error: "failed read ca pem"
//	           x509.NewCertPool().AppendCertsFromPEM(ca) == false   error: "fail to append ca to cert"
//	           credentials.NewTLS(&tls.Config{ClientAuth: RequireAndVerifyClientCert, Certificates, ClientCAs,
//	                                          MinVersion: TLS 1.3})
//
// credentials.NewTLS (grpc-go) appends "h2" to NextProtos; from grpc-go 1.60 on it also sets MinVersion TLS 1.2
// when unset and keeps only the cipher suites HTTP/2 allows (-grpc-defaults); from 1.67 on the server refuses a
// connection without negotiated ALPN (-enforce-alpn).
//
// Output on stdout, one line each:
//
//	LISTEN 127.0.0.1:PORT go1.24.11
//	LOADERROR <Milvus log message>\t<Go's error text>      (then exit 1: Milvus would not start)
//	HANDSHAKE ok <TLS version> <ALPN or -> <client subject or ->
//	HANDSHAKE error <Go's error text>
//
// Each accepted connection is handshaken explicitly (with a deadline) before any byte goes to the backend.
// The process exits when its standard input closes, so it never outlives its parent.
//
// Standard library only, and Go 1.18 language level: it is built with the go.mod `go` line of the Milvus release
// being rehearsed (2.3 says go 1.18), which also gives it that release's GODEBUG defaults.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

var out sync.Mutex

func say(format string, args ...interface{}) {
	line := fmt.Sprintf(format, args...)
	line = strings.NewReplacer("\r", " ", "\n", " ").Replace(line)
	out.Lock()
	defer out.Unlock()
	fmt.Fprintln(os.Stdout, line)
}

func loadError(logMessage string, err error) {
	say("LOADERROR %s\t%s", logMessage, err.Error())
	os.Exit(1)
}

// The cipher suites grpc-go (credentials/tls.go, tls12ForbiddenCipherSuites) removes for HTTP/2.
var tls12Forbidden = map[uint16]bool{
	tls.TLS_RSA_WITH_AES_128_CBC_SHA:         true,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA:         true,
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256:      true,
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384:      true,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: true,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: true,
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:   true,
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA:   true,
}

// newTLS is grpc-go's credentials.NewTLS applied to the config Milvus builds.
func newTLS(c *tls.Config, grpcDefaults bool) *tls.Config {
	c = c.Clone()
	hasH2 := false
	for _, p := range c.NextProtos {
		if p == "h2" {
			hasH2 = true
		}
	}
	if !hasH2 {
		c.NextProtos = append(c.NextProtos, "h2")
	}
	if grpcDefaults {
		if c.MinVersion == 0 && (c.MaxVersion == 0 || c.MaxVersion >= tls.VersionTLS12) {
			c.MinVersion = tls.VersionTLS12
		}
		if c.CipherSuites == nil {
			for _, cs := range tls.CipherSuites() {
				if !tls12Forbidden[cs.ID] {
					c.CipherSuites = append(c.CipherSuites, cs.ID)
				}
			}
		}
	}
	return c
}

func milvusConfig(mode int, certPath, keyPath, caPath string, grpcDefaults bool) *tls.Config {
	switch mode {
	case 1:
		cert, err := tls.LoadX509KeyPair(certPath, keyPath)
		if err != nil {
			loadError("proxy can't create creds", err)
		}
		return newTLS(&tls.Config{Certificates: []tls.Certificate{cert}}, grpcDefaults)
	case 2:
		cert, err := tls.LoadX509KeyPair(certPath, keyPath)
		if err != nil {
			loadError("proxy cant load x509 key pair", err)
		}
		certPool := x509.NewCertPool()
		rootBuf, err := os.ReadFile(caPath)
		if err != nil {
			loadError("failed read ca pem", err)
		}
		if !certPool.AppendCertsFromPEM(rootBuf) {
			loadError("fail to append ca to cert", fmt.Errorf("fail to append ca to cert"))
		}
		return newTLS(&tls.Config{
			ClientAuth:   tls.RequireAndVerifyClientCert,
			Certificates: []tls.Certificate{cert},
			ClientCAs:    certPool,
			MinVersion:   tls.VersionTLS13,
		}, grpcDefaults)
	}
	say("LOADERROR tls mode must be 0: no authentication, 1: one way authentication or 2: two way authentication\tmode %d", mode)
	os.Exit(2)
	return nil
}

func versionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1.0"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func serve(raw net.Conn, conf *tls.Config, backend string, timeout time.Duration, enforceALPN bool) {
	defer raw.Close()
	conn := tls.Server(raw, conf)
	_ = conn.SetDeadline(time.Now().Add(timeout))
	if err := conn.Handshake(); err != nil {
		say("HANDSHAKE error %s", err.Error())
		return
	}
	st := conn.ConnectionState()
	if enforceALPN && st.NegotiatedProtocol == "" {
		say("HANDSHAKE error credentials: cannot check peer: missing selected ALPN property")
		return
	}
	subject := ""
	if len(st.PeerCertificates) > 0 {
		subject = st.PeerCertificates[0].Subject.String()
	}
	say("HANDSHAKE ok %s %s %s", versionName(st.Version), orDash(st.NegotiatedProtocol), orDash(subject))
	_ = conn.SetDeadline(time.Time{})
	up, err := net.DialTimeout("tcp", backend, timeout)
	if err != nil {
		say("BACKEND error %s", err.Error())
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(up, conn)
		if tc, ok := up.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(conn, up)
		_ = conn.CloseWrite()
		done <- struct{}{}
	}()
	<-done
	<-done
}

func main() {
	mode := flag.Int("mode", 1, "Milvus common.security.tlsMode: 1 or 2")
	certPath := flag.String("cert", "", "tls.serverPemPath")
	keyPath := flag.String("key", "", "tls.serverKeyPath")
	caPath := flag.String("ca", "", "tls.caPemPath (mode 2)")
	backend := flag.String("backend", "", "plaintext gRPC backend host:port")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	timeout := flag.Duration("timeout", 10*time.Second, "handshake and backend dial deadline")
	grpcDefaults := flag.Bool("grpc-defaults", false, "grpc-go >= 1.60 credentials.NewTLS defaults")
	enforceALPN := flag.Bool("enforce-alpn", false, "grpc-go >= 1.67: refuse connections without ALPN")
	flag.Parse()

	conf := milvusConfig(*mode, *certPath, *keyPath, *caPath, *grpcDefaults)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		say("LISTENERROR %s", err.Error())
		os.Exit(3)
	}
	say("LISTEN %s %s", ln.Addr().String(), runtime.Version())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			say("ACCEPTERROR %s", err.Error())
			os.Exit(4)
		}
		go serve(c, conf, *backend, *timeout, *enforceALPN)
	}
}
