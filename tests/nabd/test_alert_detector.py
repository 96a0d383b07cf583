"""The negative-spike detector on synthetic series with daily and weekly rhythm and Poisson noise."""

from __future__ import annotations

import numpy as np
import pytest

from nabd.alerts.detector import LastAlert, SpikeRule, baseline, judge, scan, should_fire
from nabd.alerts.synthetic import HOURS_PER_WEEK, brand_series

RULE = SpikeRule()
HISTORY = 4 * HOURS_PER_WEEK


def test_normal_daily_and_weekly_rhythm_raises_no_alert():
    series = brand_series(np.random.default_rng(7), weeks=6, mean_negative=15, negative_share=0.3)
    assert scan(series.negative, series.total, RULE, start_hour=HISTORY) == []


def test_a_threefold_one_hour_spike_is_caught_in_its_own_window():
    spike = HISTORY + 200
    series = brand_series(np.random.default_rng(11), weeks=6, mean_negative=15, negative_share=0.3,
                          spike_hours=(spike,))
    fired = scan(series.negative, series.total, RULE, start_hour=HISTORY)
    assert [alert.verdict.hour for alert in fired] == [spike]
    assert fired[0].verdict.severity in ("warning", "high", "critical")


def test_the_baseline_follows_the_same_hour_of_the_week():
    negative = [0] * (3 * HOURS_PER_WEEK)
    for week in range(3):
        for hour in (19, 20, 21):
            negative[week * HOURS_PER_WEEK + hour] = 30      # every Monday evening is busy
    base = baseline(negative, 2 * HOURS_PER_WEEK + 20, weeks=2)
    assert base.median == 30 and base.seasonal_samples == 6


def test_a_small_brand_below_the_minimum_volume_never_alerts():
    negative, total = [1] * 800 + [9], [10] * 800 + [10]
    verdict = judge(negative, total, 800, RULE)
    assert not verdict.spike and "below the minimum" in verdict.reason


def test_a_spike_of_mostly_positive_mentions_does_not_alert():
    negative, total = [2] * 800 + [40], [10] * 800 + [400]
    verdict = judge(negative, total, 800, RULE)
    assert not verdict.spike and "negative share" in verdict.reason


def test_one_storm_is_one_alert_that_escalates_instead_of_repeating():
    negative = [5] * 800 + [16, 17, 60, 17]
    total = [20] * 800 + [40, 40, 80, 40]
    fired = scan(negative, total, SpikeRule(cooldown_hours=6), start_hour=800)
    assert [(alert.verdict.hour, alert.escalation) for alert in fired] == [(800, False), (802, True)]
    assert fired[1].verdict.severity == "critical"


def test_after_the_cooldown_a_new_storm_is_a_new_alert():
    rule = SpikeRule(cooldown_hours=2)
    first = judge([5] * 800 + [30], [20] * 800 + [40], 800, rule)
    later = judge([5] * 803 + [30], [20] * 803 + [40], 803, rule)
    fired = should_fire(first, None, rule)
    last = LastAlert(hour=fired.verdict.hour, severity=fired.verdict.severity)
    assert should_fire(later, last, rule).escalation is False


@pytest.mark.parametrize("sensitivity, tail", [(3.5, 2.3e-4), (3.0, 1.35e-3)])
def test_sensitivity_reads_as_standard_deviations(sensitivity, tail):
    assert SpikeRule(sensitivity=sensitivity).p_threshold == pytest.approx(tail, rel=0.02)
