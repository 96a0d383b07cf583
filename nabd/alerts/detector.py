"""Negative-spike detection over a brand's own hourly counts: a pure function of the series.

The latest window's negative count is judged against the brand's normal for that hour of the
week (the same hour in past weeks, adjusted to the level of the last day), with a robust spread
(median and MAD) added to the Poisson rate so that ordinary day-to-day variation never looks like
a storm. A spike also needs a minimum volume and a floor on the negative share. A cooldown keeps
one storm to one alert, raised again only when it escalates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from scipy.stats import norm, poisson

HOURS_PER_WEEK = 168
RECENT_HOURS = 24
MAD_TO_SIGMA = 1.4826
SEVERITIES = ("warning", "high", "critical")
LEVEL_CLIP = (0.5, 2.0)
# The same hour of past weeks and the hours either side of it: twelve samples over four weeks
# give a steadier median and MAD than four.
NEIGHBOUR_HOURS = (-1, 0, 1)
# How much of the robust spread widens the Poisson rate (tolerance for ordinary over-dispersion).
SPREAD_WEIGHT = 0.5


@dataclass(frozen=True)
class SpikeRule:
    """The knobs of one alert rule (config/alerts.yaml), in hours."""

    min_negative: int = 10
    min_negative_share: float = 0.3
    sensitivity: float = 3.0
    baseline_weeks: int = 4
    cooldown_hours: float = 3.0

    @property
    def p_threshold(self) -> float:
        """`sensitivity` read as standard deviations: 3.0 → a one-sided tail of about 1.35e-3."""
        return float(norm.sf(self.sensitivity))


@dataclass(frozen=True)
class Baseline:
    expected: float
    median: float
    mad: float
    rate: float
    seasonal_samples: int
    level: float


@dataclass(frozen=True)
class Verdict:
    """What the detector decided for the window ending at `hour` (an index into the series)."""

    hour: int
    negative: int
    total: int
    baseline: Baseline
    p_value: float
    spike: bool
    severity: str | None
    reason: str

    @property
    def negative_share(self) -> float:
        return self.negative / self.total if self.total else 0.0

    @property
    def ratio(self) -> float:
        return self.negative / self.baseline.expected if self.baseline.expected > 0 else math.inf


def baseline(negative: Sequence[int], hour: int, weeks: int) -> Baseline:
    """The expected negative count for `hour` from the same hour in past weeks and the last day's level."""
    seasonal = [negative[hour - k * HOURS_PER_WEEK + d] for k in range(1, weeks + 1) for d in NEIGHBOUR_HOURS
                if hour - k * HOURS_PER_WEEK + d >= 0]
    recent = negative[max(0, hour - RECENT_HOURS):hour]
    if not seasonal:
        center = median(recent) if recent else 0.0
        spread = MAD_TO_SIGMA * median(abs(x - center) for x in recent) if recent else 0.0
        return Baseline(center, center, spread, max(center + spread, 1.0), 0, 1.0)
    center = median(seasonal)
    spread = MAD_TO_SIGMA * median(abs(x - center) for x in seasonal)
    level = _recent_level(negative, hour, weeks)
    expected = center * level
    return Baseline(expected, center, spread, max(expected + SPREAD_WEIGHT * spread, 1.0), len(seasonal), level)


def _recent_level(negative: Sequence[int], hour: int, weeks: int) -> float:
    """How busy the last day was against the same day in past weeks (clipped: a storm moves it little)."""
    now = sum(negative[max(0, hour - RECENT_HOURS):hour])
    before = [sum(negative[max(0, hour - k * HOURS_PER_WEEK - RECENT_HOURS):hour - k * HOURS_PER_WEEK])
              for k in range(1, weeks + 1) if hour - k * HOURS_PER_WEEK - RECENT_HOURS >= 0]
    if not before or median(before) == 0:
        return 1.0
    return min(max(now / median(before), LEVEL_CLIP[0]), LEVEL_CLIP[1])


def judge(negative: Sequence[int], total: Sequence[int], hour: int, rule: SpikeRule) -> Verdict:
    """Is the count at `hour` a spike? Spam and duplicates must already be out of both series."""
    observed, volume = int(negative[hour]), int(total[hour])
    base = baseline(negative, hour, rule.baseline_weeks)
    p_value = float(poisson.sf(observed - 1, base.rate)) if observed > 0 else 1.0
    if observed < rule.min_negative:
        return Verdict(hour, observed, volume, base, p_value, False, None, f"below the minimum of {rule.min_negative}")
    share = observed / volume if volume else 0.0
    if share < rule.min_negative_share:
        return Verdict(hour, observed, volume, base, p_value, False, None,
                       f"negative share {share:.0%} below {rule.min_negative_share:.0%}")
    if p_value > rule.p_threshold:
        return Verdict(hour, observed, volume, base, p_value, False, None, "within the brand's normal")
    severity = severity_of(p_value, rule)
    return Verdict(hour, observed, volume, base, p_value, True, severity,
                   f"{observed} negative against {base.expected:.1f} expected (p={p_value:.1e})")


def severity_of(p_value: float, rule: SpikeRule) -> str:
    """warning at the threshold, high at 100× rarer, critical at 10,000× rarer."""
    if p_value <= rule.p_threshold * 1e-4:
        return "critical"
    if p_value <= rule.p_threshold * 1e-2:
        return "high"
    return "warning"


@dataclass(frozen=True)
class Fired:
    """An alert to send: the verdict, and whether it escalates an alert already sent for the storm."""

    verdict: Verdict
    escalation: bool


@dataclass(frozen=True)
class LastAlert:
    """The cooldown's memory: when (window index) the previous alert fired, and how severe it was."""

    hour: int
    severity: str


def should_fire(verdict: Verdict, last: LastAlert | None, rule: SpikeRule) -> Fired | None:
    """Applies the cooldown: a storm is one alert, raised again only when its severity rises."""
    if not verdict.spike:
        return None
    if last is None or verdict.hour - last.hour >= rule.cooldown_hours:
        return Fired(verdict, escalation=False)
    if SEVERITIES.index(verdict.severity) > SEVERITIES.index(last.severity):
        return Fired(verdict, escalation=True)
    return None


def scan(negative: Sequence[int], total: Sequence[int], rule: SpikeRule, start_hour: int = 0) -> list[Fired]:
    """Runs the detector at every hour from `start_hour`, as hourly checks would, with the cooldown."""
    fired: list[Fired] = []
    last: LastAlert | None = None
    for hour in range(start_hour, len(negative)):
        decision = should_fire(judge(negative, total, hour, rule), last, rule)
        if decision:
            fired.append(decision)
            last = LastAlert(decision.verdict.hour, decision.verdict.severity)
    return fired
