// milvus-tls-javaclient: a Java client of Milvus with the TLS configuration milvus-sdk-java (v2 ClientUtils.getChannel)
// hands to grpc-netty, on the JDK's own TLS stack (JSSE), standard library only:
//
//   GrpcSslContexts.forClient().trustManager(new File(serverPemPath | caPemPath))
//                              [.keyManager(new File(clientPemPath), new File(clientKeyPath))].build()
//   NettyChannelBuilder.forAddress(host, port).overrideAuthority(serverName).sslContext(...)
//
// What it reproduces: Netty 4.1's PemReader (the PEM patterns below) and SslContext.toX509Certificates /
// toPrivateKey (a PKCS#8 key only, tried as RSA, DSA, EC; no passphrase: the SDK passes none; BouncyCastle absent),
// buildTrustManagerFactory (every certificate of the file a trust anchor of the JDK's PKIX TrustManagerFactory),
// grpc-netty's ClientTlsHandler (SSLEngine for the authority's host and port, endpoint identification "HTTPS",
// ALPN h2, TLS 1.3/1.2, Http2SecurityUtil's cipher suites). What is the JDK's own: the handshake, PKIX path
// validation (sun.security.validator), host name checking (HostnameChecker), SNI, the algorithm constraints.
//
// One gRPC call (MilvusService/GetVersion) over HTTP/2, written by hand, so a tlsMode 2 refusal after a TLS 1.3
// handshake is seen. Output: one line, RESULT {json}.
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public final class MilvusTlsJavaClient {
    // io.netty.handler.ssl.PemReader (4.1)
    private static final Pattern CERT_PATTERN = Pattern.compile(
            "-+BEGIN\\s[^-\\r\\n]*CERTIFICATE[^-\\r\\n]*-+(?:\\s|\\r|\\n)+"
            + "([a-z0-9+/=\\r\\n]+)"
            + "-+END\\s[^-\\r\\n]*CERTIFICATE[^-\\r\\n]*-+", Pattern.CASE_INSENSITIVE);
    private static final Pattern KEY_PATTERN = Pattern.compile(
            "-+BEGIN\\s[^-\\r\\n]*PRIVATE\\s+KEY[^-\\r\\n]*-+(?:\\s|\\r|\\n)+"
            + "([a-z0-9+/=\\r\\n]+)"
            + "-+END\\s[^-\\r\\n]*PRIVATE\\s+KEY[^-\\r\\n]*-+", Pattern.CASE_INSENSITIVE);
    // io.netty.handler.codec.http2.Http2SecurityUtil.CIPHERS
    private static final String[] CIPHERS = {
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};

    private static String stage = "";
    private static String tlsVersion = "";
    private static String alpn = "";

    private static String q(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static void emit(boolean ok, String error, String serverVersion) {
        System.out.println("RESULT {\"ok\": " + ok + ", \"stage\": " + q(stage) + ", \"error\": " + q(error)
                + ", \"tls_version\": " + q(tlsVersion) + ", \"alpn\": " + q(alpn) + ", \"server_version\": "
                + q(serverVersion) + ", \"java\": " + q(System.getProperty("java.version")) + "}");
        System.out.flush();
    }

    private static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        while (t != null) {
            if (b.length() > 0) {
                b.append(" <- ");
            }
            b.append(t.getClass().getName()).append(": ").append(t.getMessage());
            t = t.getCause();
        }
        return b.toString();
    }

    static List<X509Certificate> readCertificates(String path) throws Exception {
        String text = new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.US_ASCII);
        Matcher m = CERT_PATTERN.matcher(text);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<X509Certificate>();
        int start = 0;
        while (m.find(start)) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            start = m.end();
        }
        if (out.isEmpty()) {
            throw new java.security.cert.CertificateException("found no certificates in input stream");
        }
        return out;
    }

    static PrivateKey readKey(String path) throws Exception {
        String text = new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.US_ASCII);
        Matcher m = KEY_PATTERN.matcher(text);
        if (!m.find()) {
            throw new java.security.KeyException("could not find a PKCS #8 private key in input stream (see "
                    + "https://netty.io/wiki/sslcontextbuilder-and-private-key.html for more information)");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(spec);
        } catch (InvalidKeySpecException e1) {
            try {
                return KeyFactory.getInstance("DSA").generatePrivate(spec);
            } catch (InvalidKeySpecException e2) {
                try {
                    return KeyFactory.getInstance("EC").generatePrivate(spec);
                } catch (InvalidKeySpecException e3) {
                    throw new InvalidKeySpecException("Neither RSA, DSA nor EC worked", e3);
                }
            }
        }
    }

    public static void main(String[] argv) {
        String addr = "", authority = "", ca = "", cert = "", key = "";
        int timeoutMs = 5000;
        for (int i = 0; i + 1 < argv.length; i += 2) {
            String v = argv[i + 1];
            switch (argv[i]) {
                case "-addr": addr = v; break;
                case "-authority": authority = v; break;
                case "-ca": ca = v; break;
                case "-cert": cert = v; break;
                case "-key": key = v; break;
                case "-timeout-ms": timeoutMs = Integer.parseInt(v); break;
                default: break;
            }
        }
        int colon = addr.lastIndexOf(':');
        String host = addr.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(addr.substring(colon + 1));
        // grpc-netty: the authority's host (a port in it is split off), else the dialled host
        String peerHost = authority.isEmpty() ? host : authority;
        if (peerHost.startsWith("[")) {
            peerHost = peerHost.substring(1, peerHost.indexOf(']'));
        } else if (peerHost.indexOf(':') >= 0 && peerHost.indexOf(':') == peerHost.lastIndexOf(':')) {
            peerHost = peerHost.substring(0, peerHost.indexOf(':'));
        }
        SSLContext ctx;
        stage = "config";
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (!ca.isEmpty()) {
                List<X509Certificate> roots;
                try {
                    roots = readCertificates(ca);
                } catch (Exception e) {
                    throw new IllegalArgumentException("File does not contain valid certificates: " + ca, e);
                }
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                for (int i = 0; i < roots.size(); i++) {
                    ks.setCertificateEntry(Integer.toString(i + 1), roots.get(i));
                }
                tmf.init(ks);
            } else {
                tmf.init((KeyStore) null);   // the JDK's cacerts
            }
            KeyManagerFactory kmf = null;
            if (!cert.isEmpty() && !key.isEmpty()) {
                List<X509Certificate> pair;
                try {
                    pair = readCertificates(cert);
                } catch (Exception e) {
                    throw new IllegalArgumentException("File does not contain valid certificates: " + cert, e);
                }
                PrivateKey pk;
                try {
                    pk = readKey(key);
                } catch (Exception e) {
                    String text = new String(Files.readAllBytes(Paths.get(key)), StandardCharsets.US_ASCII);
                    String why = text.contains("ENCRYPTED") ? " [encrypted: the SDK gives Netty no passphrase]" : "";
                    throw new IllegalArgumentException("File does not contain valid private key: " + key + why, e);
                }
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                ks.setKeyEntry("key", pk, new char[0], pair.toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
            }
            ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        } catch (Exception e) {
            emit(false, chain(e), "");
            return;
        }
        stage = "dial";
        Socket raw = new Socket();
        try {
            raw.connect(new InetSocketAddress(host, port), timeoutMs);
            raw.setSoTimeout(timeoutMs);
        } catch (IOException e) {
            emit(false, chain(e), "");
            return;
        }
        stage = "handshake";
        try {
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, peerHost, port, true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setApplicationProtocols(new String[] {"h2"});
            List<String> protocols = new ArrayList<String>();
            for (String v : s.getSupportedProtocols()) {
                if (v.equals("TLSv1.3") || v.equals("TLSv1.2")) {
                    protocols.add(v);
                }
            }
            p.setProtocols(protocols.toArray(new String[0]));
            List<String> suites = new ArrayList<String>();
            List<String> supported = java.util.Arrays.asList(s.getSupportedCipherSuites());
            for (String c : CIPHERS) {
                if (supported.contains(c)) {
                    suites.add(c);
                }
            }
            p.setCipherSuites(suites.toArray(new String[0]));
            s.setSSLParameters(p);
            s.startHandshake();
            tlsVersion = s.getSession().getProtocol();
            alpn = s.getApplicationProtocol() == null ? "" : s.getApplicationProtocol();
            if (!"h2".equals(alpn)) {
                emit(false, "Failed ALPN negotiation: Unable to find compatible protocol", "");
                s.close();
                return;
            }
            stage = "rpc";
            String version = getVersion(s, peerHost);
            s.close();
            stage = "";
            emit(true, "", version);
        } catch (Exception e) {
            emit(false, chain(e), "");
        }
    }

    private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        int n = payload.length;
        out.write(new byte[] {(byte) (n >> 16), (byte) (n >> 8), (byte) n, (byte) type, (byte) flags,
            (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream});
        out.write(payload);
    }

    private static void literal(java.io.ByteArrayOutputStream b, String name, String value) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        b.write(0x00);   // literal header field without indexing, new name; plain strings (lengths < 127)
        b.write(n.length);
        b.write(n, 0, n.length);
        b.write(v.length);
        b.write(v, 0, v.length);
    }

    /** One GetVersion over HTTP/2: the version string of the answer; IOException when there is none. */
    private static String getVersion(SSLSocket s, String authority) throws IOException {
        OutputStream out = s.getOutputStream();
        DataInputStream in = new DataInputStream(s.getInputStream());
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(out, 0x4, 0, 0, new byte[0]);
        java.io.ByteArrayOutputStream h = new java.io.ByteArrayOutputStream();
        literal(h, ":method", "POST");
        literal(h, ":scheme", "https");
        literal(h, ":path", "/milvus.proto.milvus.MilvusService/GetVersion");
        literal(h, ":authority", authority);
        literal(h, "content-type", "application/grpc");
        literal(h, "te", "trailers");
        frame(out, 0x1, 0x4, 1, h.toByteArray());
        frame(out, 0x0, 0x1, 1, new byte[] {0, 0, 0, 0, 0});
        out.flush();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (true) {
            byte[] head = new byte[9];
            try {
                in.readFully(head);
            } catch (EOFException e) {
                throw new IOException("the server closed the connection before answering", e);
            }
            int len = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
            int type = head[3] & 0xff;
            int flags = head[4] & 0xff;
            int stream = ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8) | (head[8] & 0xff);
            byte[] payload = new byte[len];
            in.readFully(payload);
            if (type == 0x4 && (flags & 0x1) == 0) {
                frame(out, 0x4, 0x1, 0, new byte[0]);
                out.flush();
            } else if (type == 0x6 && (flags & 0x1) == 0) {
                frame(out, 0x6, 0x1, 0, payload);
                out.flush();
            } else if (type == 0x7) {
                throw new IOException("GOAWAY from the server: " + new String(payload, 8, Math.max(0, len - 8),
                        StandardCharsets.UTF_8));
            } else if (type == 0x3 && stream == 1) {
                throw new IOException("RST_STREAM from the server");
            } else if (type == 0x0 && stream == 1) {
                int pad = (flags & 0x8) != 0 ? (payload[0] & 0xff) + 1 : 0;
                body.write(payload, (flags & 0x8) != 0 ? 1 : 0, len - pad);
            }
            if ((type == 0x0 || type == 0x1) && stream == 1 && (flags & 0x1) != 0) {
                break;
            }
        }
        byte[] msg = body.toByteArray();
        if (msg.length < 5) {
            throw new IOException("no GetVersion answer (the call ended without a message)");
        }
        // GetVersionResponse: field 2 (version), a string; skip field 1 (status)
        int i = 5;
        while (i < msg.length) {
            int tag = msg[i++] & 0xff;
            int n = 0, shift = 0;
            while (true) {
                int b = msg[i++] & 0xff;
                n |= (b & 0x7f) << shift;
                shift += 7;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if ((tag & 7) != 2) {
                continue;   // a varint: n was the value
            }
            if (tag >> 3 == 2) {
                return new String(msg, i, n, StandardCharsets.UTF_8);
            }
            i += n;
        }
        return "";
    }
}
