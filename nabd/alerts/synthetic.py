"""Synthetic hourly mention series with daily and weekly rhythm and Poisson noise, for tests and benchmarks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 168


@dataclass(frozen=True)
class BrandSeries:
    negative: np.ndarray
    total: np.ndarray
    expected_negative: np.ndarray
    spikes: tuple[int, ...]


def rhythm(hours: int, mean: float, weekend_lift: float = 0.25, night_dip: float = 0.6) -> np.ndarray:
    """Expected hourly counts: quiet nights, busy evenings (Riyadh-like), busier Friday and Saturday."""
    hour = np.arange(hours)
    hour_of_day = hour % HOURS_PER_DAY
    day_of_week = (hour // HOURS_PER_DAY) % 7
    daily = 1.0 - night_dip * 0.5 * (1 + np.cos(2 * math.pi * (hour_of_day - 3) / HOURS_PER_DAY))
    weekly = np.where(np.isin(day_of_week, (4, 5)), 1.0 + weekend_lift, 1.0)
    shape = daily * weekly
    return mean * shape / shape.mean()


def brand_series(rng: np.random.Generator, weeks: int, mean_negative: float, negative_share: float,
                 spike_hours: tuple[int, ...] = (), spike_factor: float = 3.0) -> BrandSeries:
    """One brand's hourly negative and total counts, with `spike_factor`× negative spikes at `spike_hours`."""
    hours = weeks * HOURS_PER_WEEK
    expected = rhythm(hours, mean_negative)
    expected_other = expected * (1 - negative_share) / negative_share
    rate = expected.copy()
    rate[list(spike_hours)] *= spike_factor
    negative = rng.poisson(rate)
    total = negative + rng.poisson(expected_other)
    return BrandSeries(negative, total, expected, tuple(spike_hours))
