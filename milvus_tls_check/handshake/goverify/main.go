// milvus-tls-goverify: real crypto/x509 path validation with the options crypto/tls uses in a Milvus deployment,
// no private key and no network. One JSON request on stdin, one `RESULT {json}` line on stdout.
//
//	side "server": a Go client (the Go SDK over grpc-go) verifying the server's chain: Roots = the CA file as
//	               AppendCertsFromPEM loads it, Intermediates = the rest of the server's chain, DNSName = the
//	               server name (or IP), KeyUsages empty (= ServerAuth), CurrentTime = at.
//	side "client": the Milvus server in tlsMode 2 (RequireAndVerifyClientCert) verifying a client chain: Roots =
//	               ClientCAs, KeyUsages = ClientAuth, no name.
//
// As crypto/tls does, every certificate of the presented chain must parse (else the handshake fails before
// verification); a CA-file block that does not parse is skipped, as AppendCertsFromPEM skips it.
// Standard library only.
package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

type request struct {
	Side      string   `json:"side"`       // "server" | "client"
	ChainPEM  string   `json:"chain_pem"`  // leaf first, then what the peer sends with it
	RootsPEM  string   `json:"roots_pem"`  // the CA file
	Name      string   `json:"name"`       // server name or IP (side "server")
	At        string   `json:"at"`         // RFC 3339; empty = now
	KeyUsages []string `json:"key_usages"` // overrides the side's default (tests, limbo's EKU field)
}

type certInfo struct {
	Subject string `json:"subject"`
	SHA256  string `json:"sha256"`
}

type response struct {
	OK          bool         `json:"ok"`
	Go          string       `json:"go"`
	Class       string       `json:"class,omitempty"`
	Error       string       `json:"error,omitempty"`
	HintClass   string       `json:"hint_class,omitempty"` // for an unknown authority: why the best candidate failed
	Chains      [][]certInfo `json:"chains,omitempty"`
	RootsLoaded int          `json:"roots_loaded"`
	RootsSkip   []string     `json:"roots_skipped,omitempty"` // Go's parse error of each CA-file block it skips
}

var ekuByName = map[string]x509.ExtKeyUsage{
	"any": x509.ExtKeyUsageAny, "serverAuth": x509.ExtKeyUsageServerAuth, "clientAuth": x509.ExtKeyUsageClientAuth,
	"codeSigning": x509.ExtKeyUsageCodeSigning, "emailProtection": x509.ExtKeyUsageEmailProtection,
	"timeStamping": x509.ExtKeyUsageTimeStamping, "OCSPSigning": x509.ExtKeyUsageOCSPSigning,
}

func info(c *x509.Certificate) certInfo {
	sum := sha256.Sum256(c.Raw)
	return certInfo{c.Subject.String(), hex.EncodeToString(sum[:])}
}

// class names Go's error the way the doctor's codes group them.
func class(err error) string {
	var inv x509.CertificateInvalidError
	var host x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var crit x509.UnhandledCriticalExtension
	var cv x509.ConstraintViolationError
	var insecure x509.InsecureAlgorithmError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &host):
		return "hostname"
	case errors.As(err, &unknown):
		return "unknown_authority"
	case errors.As(err, &crit):
		return "critical_extension"
	case errors.As(err, &cv):
		return "constraint_violation"
	case errors.As(err, &insecure):
		return "insecure_algorithm"
	case errors.As(err, &inv):
		switch inv.Reason {
		case x509.NotAuthorizedToSign:
			return "not_ca"
		case x509.Expired:
			return "expired"
		case x509.CANotAuthorizedForThisName, x509.UnconstrainedName, x509.TooManyConstraints:
			return "name_constraints"
		case x509.TooManyIntermediates:
			return "path_length"
		case x509.IncompatibleUsage, x509.CANotAuthorizedForExtKeyUsage:
			return "incompatible_usage"
		case x509.NameMismatch:
			return "name_mismatch"
		}
		if strings.Contains(err.Error(), "no valid chains") {
			return "no_valid_chains"
		}
		return "invalid"
	case strings.Contains(err.Error(), "cannot parse dnsName"), strings.Contains(err.Error(), "cannot parse rfc822Name"),
		strings.Contains(err.Error(), "cannot be matched against constraints"):
		return "name_constraints" // isValid's plain errors on a SAN it cannot hold against a constraint
	case strings.Contains(err.Error(), "signature check attempts limit"):
		return "signature_limit"
	case strings.Contains(err.Error(), "verification error"), strings.Contains(err.Error(), "signature"):
		return "signature"
	}
	return "other"
}

func certBlocks(text string) [][]byte {
	var out [][]byte
	rest := []byte(text)
	for len(rest) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue // AppendCertsFromPEM and tls.X509KeyPair skip these
		}
		out = append(out, block.Bytes)
	}
	return out
}

func verify(req request) response {
	resp := response{Go: runtime.Version()}
	fail := func(cls string, err error) response {
		resp.Class, resp.Error = cls, err.Error()
		return resp
	}
	roots := x509.NewCertPool()
	for _, der := range certBlocks(req.RootsPEM) {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			resp.RootsSkip = append(resp.RootsSkip, err.Error())
			continue
		}
		roots.AddCert(c)
		resp.RootsLoaded++
	}
	if resp.RootsLoaded == 0 {
		return fail("no_roots", errors.New("no certificate in the CA file could be loaded (AppendCertsFromPEM returned false)"))
	}
	var chain []*x509.Certificate
	for _, der := range certBlocks(req.ChainPEM) {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return fail("parse", fmt.Errorf("tls: failed to parse certificate from the peer: %w", err))
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return fail("parse", errors.New("tls: the peer's chain has no certificate"))
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	if req.At != "" {
		t, err := time.Parse(time.RFC3339, req.At)
		if err != nil {
			return fail("request", err)
		}
		opts.CurrentTime = t
	}
	switch req.Side {
	case "server":
		opts.DNSName = req.Name
	case "client":
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	default:
		return fail("request", fmt.Errorf("side must be server or client, not %q", req.Side))
	}
	if req.KeyUsages != nil {
		opts.KeyUsages = nil
		for _, name := range req.KeyUsages {
			eku, ok := ekuByName[name]
			if !ok {
				return fail("request", fmt.Errorf("unknown key usage %q", name))
			}
			opts.KeyUsages = append(opts.KeyUsages, eku)
		}
	}
	chains, err := chain[0].Verify(opts)
	if err != nil {
		resp = fail(class(err), err)
		var unknown x509.UnknownAuthorityError
		if errors.As(err, &unknown) {
			// the hint is unexported; Error() carries its text
			if i := strings.Index(err.Error(), "(possibly because of "); i >= 0 {
				resp.HintClass = hintClass(err.Error()[i:])
			}
		}
		return resp
	}
	resp.OK = true
	for _, ch := range chains {
		var infos []certInfo
		for _, c := range ch {
			infos = append(infos, info(c))
		}
		resp.Chains = append(resp.Chains, infos)
	}
	return resp
}

func hintClass(text string) string {
	for _, p := range []struct{ needle, cls string }{
		{"expired or is not yet valid", "expired"}, {"not authorized to sign for this name", "name_constraints"},
		{"unknown or unconstrained name", "name_constraints"}, {"not authorized to sign other", "not_ca"},
		{"too many intermediates", "path_length"}, {"unhandled critical extension", "critical_extension"},
		{"parent certificate cannot sign", "constraint_violation"}, {"insecure algorithm", "insecure_algorithm"},
		{"signature", "signature"},
	} {
		if strings.Contains(text, p.needle) {
			return p.cls
		}
	}
	return "other"
}

func main() {
	raw, err := io.ReadAll(io.LimitReader(os.Stdin, 16<<20))
	var req request
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	var resp response
	if err != nil {
		resp = response{Go: runtime.Version(), Class: "request", Error: err.Error()}
	} else {
		resp = verify(req)
	}
	out, _ := json.Marshal(resp)
	fmt.Printf("RESULT %s\n", out)
}
