"""The certificates a deployment setting points to, for the config rules and the application-client rules alike
(one home, so neither rules module imports the other). Rules read no files: each file came in with the material
(a role's file, or one the deployment names: material.with_deployment_files)."""
from __future__ import annotations

from typing import Optional

from ..model import LoadedFile, Role


def loaded_at(ctx, path: Optional[str]) -> Optional[LoadedFile]:
    """A role's file by path, else a regular file the deployment names; None."""
    if not path:
        return None
    return ctx.material.by_path(path) or ctx.material.deployment_files.get(path)


def is_deployment_file(ctx, path: Optional[str]) -> bool:
    """Is this deployment path a regular file on this host (as material.with_deployment_files found it)?"""
    return bool(path) and path in ctx.material.deployment_files


def certs_at(ctx, path: Optional[str], role: Role = Role.SERVER_CERT) -> tuple:
    """The certificates in a file, as the pipeline loaded it (`role` is what the caller reads it as; the material
    already decided how it was loaded)."""
    loaded = loaded_at(ctx, path)
    return tuple(loaded.certs) if loaded is not None else ()
