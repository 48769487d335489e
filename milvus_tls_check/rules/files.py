"""files.*: can each role's file be read, and is it what the role needs.

The findings are material's (material.load_file): this rule reports them, one check per file.
"""
from __future__ import annotations

from ..material import subject_of, with_fixes
from . import Context, result, rule

# Every code material.load_file may put on a LoadedFile.
MATERIAL_CODES = ("file.missing", "file.empty", "file.too_large", "file.not_pem", "file.der", "file.wrong_kind",
                  "file.key_in_cert", "file.unreadable", "key.encrypted", "file.bom", "key.unsupported",
                  "cert.cryptography_refused")


@rule("files", codes=MATERIAL_CODES)
def check_files(ctx: Context):
    for role, loaded in ctx.material.files.items():
        if ctx.deployment is not None and ctx.deployment.in_secret_dir(loaded.path):
            loaded = with_fixes(loaded, ctx.deployment)   # name the Secret and key, not the doctor's copy
        yield result("files", f"{role.setting} is readable PEM of the right kind",
                     subject_of(role, loaded.path), ctx.scoped(loaded.findings, loaded))


# Report position of this family (rules/__init__.registered_rules).
ORDER = 20
