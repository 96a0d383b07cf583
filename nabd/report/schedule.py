"""Which daily reports are due: each brand's previous day, at `report.send_hour` of its own time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def due_reports(config, at: datetime) -> list[dict]:
    """The reports due in the hour ending at `at` (aware): one per reported brand whose send hour it was.

    A brand is due when the hour [at − 1 h, at) contains `send_hour:00` in its time zone; its report covers
    the local day before. Competitors are tracked for share of voice only and get no report.
    """
    if at.tzinfo is None:
        raise ValueError(f"the schedule time {at.isoformat()} needs a time zone")
    send_hour = config.settings.report.send_hour
    due = []
    for brand in config.brands:
        if brand.role != "brand":
            continue
        send_at = _send_time_within(at - timedelta(hours=1), at, ZoneInfo(brand.timezone), send_hour)
        if send_at is not None:
            due.append({"brand": brand.id, "day": (send_at.date() - timedelta(days=1)).isoformat(),
                        "recipients": list(brand.report_to)})
    return due


def _send_time_within(start: datetime, end: datetime, zone: ZoneInfo, send_hour: int) -> datetime | None:
    """The local `send_hour:00` in [start, end), if there is one (the hour may straddle local midnight)."""
    for local in (start.astimezone(zone), end.astimezone(zone)):
        send_at = datetime(local.year, local.month, local.day, send_hour, tzinfo=zone)
        if start <= send_at < end:
            return send_at
    return None


def plan_reports(at: datetime | str, config_dir: str | None = None) -> list[dict]:
    """What the daily-report DAG maps over: plain values in, a list of {brand, day, recipients} out."""
    from config import load_config

    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return due_reports(load_config(config_dir), moment)
