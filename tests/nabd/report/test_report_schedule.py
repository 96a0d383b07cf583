"""Which daily reports are due in an hourly run: each brand's previous day, at the send hour of its time zone."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import yaml

from config import load_config
from nabd.report.schedule import due_reports


@pytest.fixture
def config(tmp_path):
    """The shipped brands with Rafeeq moved to Cairo (UTC+2) and a send hour of 7."""
    import shutil
    from pathlib import Path

    directory = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parents[3] / "config", directory,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    brands = yaml.safe_load((directory / "brands.yaml").read_text(encoding="utf-8"))
    for brand in brands["brands"]:
        if brand["id"] == "rafeeq":
            brand["timezone"] = "Africa/Cairo"
    (directory / "brands.yaml").write_text(yaml.safe_dump(brands, allow_unicode=True), encoding="utf-8")
    return load_config(directory)


def utc(hour: int, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc)


def test_riyadh_brands_are_due_in_the_run_ending_after_seven_in_riyadh(config):
    # 07:00 Riyadh is 04:00 UTC: the run of [04:00, 05:00) UTC reports on the Riyadh day before.
    assert due_reports(config, utc(5)) == [{"brand": "sahm", "day": "2026-11-22",
                                            "recipients": ["cx-leads@sahm.example"]}]


def test_a_brand_in_another_time_zone_is_due_at_its_own_seven_oclock(config):
    assert [r["brand"] for r in due_reports(config, utc(6))] == ["rafeeq"]
    assert due_reports(config, utc(6))[0]["day"] == "2026-11-22"


def test_no_report_is_due_in_other_hours_and_competitors_never_get_one(config):
    reported = [r["brand"] for hour in range(1, 24) for r in due_reports(config, utc(hour))]
    assert sorted(reported) == ["rafeeq", "sahm"]
    assert "najm" not in reported


def test_a_send_hour_just_before_local_midnight_is_found_across_the_date_change(config):
    late = config.model_copy(update={"settings": config.settings.model_copy(update={
        "report": config.settings.report.model_copy(update={"send_hour": 23})})})
    # 23:00 Riyadh on the 22nd is 20:00 UTC: due in the run ending 21:00 UTC, reporting on the 21st.
    assert [(r["brand"], r["day"]) for r in due_reports(late, utc(21, day=22))] == [("sahm", "2026-11-21")]


def test_a_time_without_a_zone_is_refused(config):
    with pytest.raises(ValueError, match="needs a time zone"):
        due_reports(config, datetime(2026, 11, 23, 5))
