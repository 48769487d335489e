"""Errors every layer may raise and only the CLI turns into an exit status."""
from __future__ import annotations


class UsageError(ValueError):
    """The user's input cannot be used at all (a bad flag value, an unreadable deployment file): exit 2."""
