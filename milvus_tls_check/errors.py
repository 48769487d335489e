"""Errors every layer may raise and only the CLI turns into an exit status."""
from __future__ import annotations


class UsageError(ValueError):
    """The user's input cannot be used at all (a bad flag value, an unreadable deployment file): exit 2."""


# Exit statuses, one set for every command (the CLI, pre-commit, repair).
EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL, EXIT_INCOMPLETE = 0, 1, 2, 3, 4


def exit_status(verdicts) -> int:
    """One status for one or many verdicts: any fail is 1; else any incomplete is 4; else 0."""
    verdicts = [str(v) for v in verdicts]
    if "fail" in verdicts:
        return EXIT_FAIL
    return EXIT_INCOMPLETE if "incomplete" in verdicts else EXIT_PASS
