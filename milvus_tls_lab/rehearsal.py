"""The grpcio-only rehearsal of an observation case: the same client parameters against an in-process grpcio
(BoringSSL) server configured the way Milvus' proxy is, in a subprocess, to show where a grpcio-only model would
predict wrongly. Lab code: the doctor never imports it."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from milvus_tls_check.handshake.trusted_cache import CHILD_CWD
from .cases import Client, Server

_REHEARSAL = r"""
import json, sys, grpc
from pathlib import Path
p = json.loads(sys.argv[1])
out = {"server_error": "", "ok": False, "error": ""}
class H(grpc.GenericRpcHandler):
    def service(self, details):
        return grpc.unary_unary_rpc_method_handler(lambda req, ctx: b"")
from concurrent import futures
srv = grpc.server(futures.ThreadPoolExecutor(2))
rd = lambda f: Path(f).read_bytes()
try:
    if p["mode"] in (1, 2):
        pairs = [(rd(p["server_key"]), rd(p["server_pem"]))]
        if p["mode"] == 2:
            creds = grpc.ssl_server_credentials(pairs, root_certificates=rd(p["ca_pem"]), require_client_auth=True)
        else:
            creds = grpc.ssl_server_credentials(pairs)
        port = srv.add_secure_port("127.0.0.1:0", creds)
    else:
        port = srv.add_insecure_port("127.0.0.1:0")
    if not port:
        raise RuntimeError("add_secure_port returned 0")
    srv.add_generic_rpc_handlers((H(),))
    srv.start()
except Exception as e:
    out["server_error"] = f"{type(e).__name__}: {e}"
    print("@@RESULT@@" + json.dumps(out)); sys.exit(0)
kw = p["kwargs"]
secure = kw.get("secure", p["scheme"] == "https")
target = f'{p["host"]}:{port}'
try:
    if not secure:
        ch = grpc.insecure_channel(target)
    else:
        opts = []
        if kw.get("server_name"):
            opts.append(("grpc.ssl_target_name_override", kw["server_name"]))
        root = pk = chain = None
        if kw.get("server_pem_path"):
            root = rd(kw["server_pem_path"])
        elif kw.get("client_pem_path") and kw.get("client_key_path") and kw.get("ca_pem_path"):
            root, pk, chain = rd(kw["ca_pem_path"]), rd(kw["client_key_path"]), rd(kw["client_pem_path"])
        ch = grpc.secure_channel(target, grpc.ssl_channel_credentials(root, pk, chain), options=opts)
    ch.unary_unary("/milvus.proto.milvus.MilvusService/GetVersion")(b"", timeout=5)
    out["ok"] = True
except grpc.RpcError as e:
    out["error"] = f"{e.code().name}: {e.details()}"
except Exception as e:
    out["error"] = f"{type(e).__name__}: {e}"
srv.stop(0)
print("@@RESULT@@" + json.dumps(out))
"""


def rehearse(server: Server, client: Client, python: str) -> dict:
    if server.mode not in (0, 1, 2):
        return {"ok": None, "error": "", "server_error": "n/a (rehearsal models tlsMode 0/1/2 only)"}
    params = {"mode": server.mode, "server_pem": os.path.abspath(server.server_pem),
              "server_key": os.path.abspath(server.server_key), "ca_pem": os.path.abspath(server.ca_pem),
              "scheme": client.scheme, "host": client.host,
              "kwargs": {k: (os.path.abspath(v) if isinstance(v, Path) else v) for k, v in client.kwargs.items()}}
    env = dict(os.environ, GRPC_VERBOSITY="error")
    try:   # isolated: -I and a fixed cwd (nothing of the checkout is imported, no .env read)
        cp = subprocess.run([python, "-I", "-c", _REHEARSAL, json.dumps(params)], capture_output=True, text=True,
                            timeout=40, env=env, check=False, cwd=CHILD_CWD)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "rehearsal timed out", "server_error": ""}
    mm = re.search(r"@@RESULT@@(.*)", cp.stdout)
    if not mm:
        return {"ok": None, "error": f"rehearsal crashed: {cp.stderr[-400:]}", "server_error": ""}
    res = json.loads(mm.group(1))
    if res["server_error"]:
        res["ok"] = False
    return res
