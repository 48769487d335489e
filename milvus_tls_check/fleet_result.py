"""One fleet target's outcome: what `fleet.run_fleet` produces and every renderer's `render_fleet` reads."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .model import Report


@dataclass(frozen=True)
class FleetResult:
    name: str
    report: Optional[Report]
    error: str = ""          # the target's options were unusable: reported, never raised
    seconds: float = 0.0     # wall time of this target's run (not rendered: fleet/v1 output is unchanged)

    @property
    def passed(self) -> bool:
        return self.report is not None and self.report.passed

    @property
    def verdict(self) -> str:
        """"pass", "fail" or "incomplete"; a target that could not run at all (unusable options) fails."""
        return "fail" if self.report is None else self.report.verdict.value
