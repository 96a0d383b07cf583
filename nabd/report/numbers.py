"""How the report writes numbers and dates: Arabic-Indic or Western digits, percents, signed changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nabd.report.labels import Labels

TO_ARABIC = str.maketrans("0123456789.,%-+", "٠١٢٣٤٥٦٧٨٩٫٬٪−+")
MISSING = "—"


@dataclass(frozen=True)
class NumberStyle:
    """Number formatting for one report: its labels and whether digits are Arabic-Indic (٠١٢٣)."""

    labels: Labels
    arabic_digits: bool

    def digits(self, text: str) -> str:
        return text.translate(TO_ARABIC) if self.arabic_digits else text

    def count(self, value: float | None) -> str:
        """1,234 (٬ and Arabic-Indic digits when configured); averages keep one decimal."""
        if value is None:
            return MISSING
        text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
        return self.digits(text)

    def percent(self, ratio: float | None) -> str:
        """0.6 → 60%; one decimal under 10%."""
        if ratio is None:
            return MISSING
        value = ratio * 100
        return self.digits(f"{value:.1f}%" if abs(value) < 10 and not value.is_integer() else f"{value:.0f}%")

    def signed_count(self, change: float | None) -> str:
        if change is None:
            return MISSING
        if change == 0:
            return self.digits("0")
        return self.digits(f"{change:+,.0f}" if float(change).is_integer() else f"{change:+,.1f}")

    def signed_points(self, change: float | None) -> str:
        """A change of a rate in percentage points (the unit is the caller's): +20."""
        if change is None:
            return MISSING
        value = change * 100
        if round(value, 1) == 0:
            return self.digits("0")
        return self.digits(f"{value:+.1f}" if abs(value) < 10 and not float(value).is_integer() else f"{value:+.0f}")

    def day(self, day: date) -> str:
        """Saturday 21 November 2026, in the report's language."""
        return self.digits(f"{self.labels.weekday(day)} {day.day} {self.labels.month(day)} {day.year}")

    def short_day(self, day: date) -> str:
        return self.digits(f"{day.day} {self.labels.month(day)}")
