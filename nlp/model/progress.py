"""Progress reporting with an ETA and a wall-clock budget for long training loops."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass
class Budget:
    """Tracks elapsed time (including time spent before a resume) against step and minute limits."""

    max_steps: int
    max_minutes: float | None
    elapsed_before: float = 0.0
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return self.elapsed_before + time.monotonic() - self.started

    def fraction_done(self, step: int) -> float:
        """How far through training we are, by whichever limit binds first (0..1)."""
        by_steps = step / self.max_steps if self.max_steps > 0 else 0.0
        by_time = self.elapsed() / (self.max_minutes * 60) if self.max_minutes else 0.0
        return min(1.0, max(by_steps, by_time))

    def exhausted(self, step: int) -> bool:
        return self.fraction_done(step) >= 1.0

    def eta_seconds(self, step: int) -> float:
        done = self.fraction_done(step)
        if done <= 0:
            return float("nan")
        return self.elapsed() * (1 - done) / done


def log_progress(what: str, step: int, budget: Budget, **metrics: float) -> None:
    """Log one progress line: step, percent done, elapsed, ETA and the given metrics."""
    shown = " ".join(f"{name}={value:.4g}" for name, value in metrics.items())
    logger.info(
        "%s step %d (%.1f%%) elapsed %s eta %s %s",
        what,
        step,
        100 * budget.fraction_done(step),
        _clock(budget.elapsed()),
        _clock(budget.eta_seconds(step)),
        shown,
    )


def _clock(seconds: float) -> str:
    if seconds != seconds:  # NaN: no estimate yet
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}"
