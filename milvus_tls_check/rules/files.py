"""files.*: can each role's file be read, and is it what the role needs."""
from __future__ import annotations

from ..material import subject_of
from . import Context, result


def check_files(ctx: Context):
    for role, loaded in ctx.material.files.items():
        yield result("files", f"{role.setting} is readable PEM of the right kind",
                     subject_of(role, loaded.path), ctx.scoped(loaded.findings, loaded))
