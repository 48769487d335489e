"""client.*: what pymilvus will really do with the parameters it is given (grpc_handler._setup_grpc_channel)."""
from __future__ import annotations

from ..findings import finding
from . import Context, result


def check_client_params(ctx: Context):
    for mode in ctx.modes:
        params = ctx.client(mode)
        subject = f"pymilvus parameters for tlsMode {mode}"
        findings = []
        if mode == 2 and not params.sends_client_cert:
            given = [k for k in ("client_pem_path", "client_key_path", "ca_pem_path") if getattr(params, k)]
            if params.server_pem_path and (params.client_pem_path or params.client_key_path):
                findings.append(finding("client.params_conflict", subject,
                                        "server_pem_path is set, so pymilvus builds a one-way channel and ignores "
                                        f"{' and '.join(k for k in given if k != 'ca_pem_path')}.", modes=(2,)))
            elif given and not params.server_pem_path:
                missing = [k for k in ("client_pem_path", "client_key_path", "ca_pem_path") if k not in given]
                findings.append(finding("client.params_incomplete", subject,
                                        f"only {', '.join(given)} given; without {', '.join(missing)} pymilvus "
                                        "falls back to the system roots and sends no client certificate.",
                                        modes=(2,)))
            findings.append(finding("client.cert_missing", subject,
                                    "tlsMode 2 requires a client certificate, and pymilvus will send none with "
                                    "these parameters.", modes=(2,)))
        elif mode == 1 and params.trust == "system_roots":
            findings.append(finding("chain.untrusted", subject,
                                    "no server_pem_path (and not all three mutual parameters): pymilvus trusts only "
                                    "the system roots, which do not hold a private CA.", modes=(1,)))
        yield result("client", f"mode {mode}: pymilvus parameters select the right channel", subject, findings,
                     mode=mode)
