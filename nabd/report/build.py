"""One brand's daily report end to end: gather the day, store it, save HTML and PDF, e-mail them."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from nabd.private_files import make_private, write_text
from nabd.report import chromium, figures, mail, render, store
from nabd.report.labels import Labels
from nabd.report.numbers import NumberStyle
from nabd.report.view import report_view

log = logging.getLogger(__name__)


@dataclass
class Report:
    """A built report: where its files are and what it said."""

    brand: str
    date: str
    language: str
    document_id: str
    html: Path
    pdf: Path
    figures: Path
    subject: str
    text: str
    emailed_to: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"brand": self.brand, "date": self.date, "language": self.language, "document_id": self.document_id,
                "html": str(self.html), "pdf": str(self.pdf), "figures": str(self.figures),
                "emailed_to": self.emailed_to, "seconds": round(self.seconds, 2)}


def report_language(config, brand, language: str | None) -> str:
    """The asked language, else the brand's report_language, else settings.yaml report.default_language."""
    return Labels(language or brand.report_language or config.settings.report.default_language).language


def number_style(config, language: str) -> NumberStyle:
    """Arabic-Indic digits in Arabic reports when settings.yaml report.digits is `arabic`."""
    return NumberStyle(Labels(language), language == "ar" and config.settings.report.digits == "arabic")


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"expected the report day as a date such as 2026-11-21, got {text!r}") from error


def output_dir(config, brand: str, day: str) -> Path:
    """<data_dir>/reports/<brand>/<day>/"""
    return config.settings.data_dir / "reports" / brand / day


def gather_figures(config, client, names, brand, day: date) -> dict:
    report_day = figures.ReportDay(brand.id, day, brand.timezone, tuple(brand.competitors))
    return figures.gather(client, names, report_day)


def write_files(config, day_figures: dict, language: str) -> tuple[Path, Path, Path, dict]:
    """Saves figures JSON, HTML and PDF under the report directory (same names on every re-run)."""
    style = number_style(config, language)
    view = report_view(day_figures, style, {b.id: style.labels.name(b) for b in config.brands},
                       {t.id: style.labels.name(t) for t in config.topics})
    folder = output_dir(config, day_figures["brand"], day_figures["date"])
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # Chromium writes the PDF before it can be narrowed to 0600
    stem = f"nabd-{day_figures['brand']}-{day_figures['date']}-{language}"
    figures_path = folder / f"nabd-{day_figures['brand']}-{day_figures['date']}-figures.json"
    write_text(figures_path, json.dumps(day_figures, ensure_ascii=False, indent=2))  # posts: 0600, like all three
    html = write_text(folder / f"{stem}.html", render.render_html(view))
    pdf = make_private(chromium.print_pdf(html, folder / f"{stem}.pdf"))
    return html, pdf, figures_path, view


def build_report(config, client, names, brand_id: str, day: str, language: str | None = None) -> Report:
    """Gathers the brand's day, stores its brand-health document, and saves HTML, PDF and figures."""
    started = time.monotonic()
    brand = config.brand(brand_id)
    if brand.role != "brand":
        raise ValueError(f"{brand.id} is a competitor in brands.yaml: it is tracked for share of voice, not reported on")
    language = report_language(config, brand, language)
    day_figures = gather_figures(config, client, names, brand, parse_day(day))
    document = store.health_document(day_figures, datetime.now(timezone.utc).isoformat(timespec="seconds"))
    store.store(client, names, document)
    html, pdf, figures_path, view = write_files(config, day_figures, language)
    subject = f"{view['w']['title']} — {view['brand']} — {view['day']}"
    log.info("report for %s on %s saved: %s, %s", brand.id, day, html, pdf)
    return Report(brand.id, day_figures["date"], language, document["id"], html, pdf, figures_path, subject,
                  render.render_text(view), seconds=time.monotonic() - started)


def email_report(config, report: Report, recipients: list[str]) -> Report:
    """Sends the saved report; a DeliveryError says where it failed and that the files are saved."""
    from config.settings import secret

    smtp = config.settings.smtp
    message = mail.report_message(report.subject, smtp.sender or "", recipients, report.text,
                                  report.html.read_text(encoding="utf-8"), [report.html, report.pdf])
    try:
        mail.send(message, smtp, secret(smtp.password_env) if smtp.username else None)
    except mail.DeliveryError as error:
        raise mail.DeliveryError(f"{error} (the report is saved: {report.html}, {report.pdf})") from error
    report.emailed_to = list(recipients)
    log.info("report for %s on %s e-mailed to %s", report.brand, report.date, ", ".join(recipients))
    return report


def build_and_send_report(config_dir: str | None, brand: str, day: str, language: str | None = None,
                          recipients: list[str] | tuple[str, ...] = ()) -> dict:
    """The daily task: report on `brand` for `day` (YYYY-MM-DD, brand's time zone); plain values in and out."""
    from config import load_config
    from index import cluster
    from index.templates import brand_keywords, setup

    config = load_config(config_dir)
    client = cluster.connect(config)
    names = cluster.index_names(config)
    setup(client, names, brand_keywords(config.brands))
    report = build_report(config, client, names, brand, day, language)
    if recipients:
        email_report(config, report, list(recipients))
    return report.as_dict()
