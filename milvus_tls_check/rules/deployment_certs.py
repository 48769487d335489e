"""The certificates a deployment setting points to, for the config rules and the application-client rules alike
(one home, so neither rules module imports the other)."""
from __future__ import annotations

from typing import Optional

from ..model import Role


def certs_at(ctx, path: Optional[str], role: Role = Role.SERVER_CERT) -> tuple:
    """The certificates in a file: from the loaded material when the pipeline read it, else loaded once here."""
    if not path:
        return ()
    loaded = ctx.material.by_path(path)
    if loaded is None:
        from pathlib import Path
        if not Path(path).is_file():
            return ()
        from ..material import load_file
        loaded = load_file(role, path)
    return tuple(loaded.certs)
