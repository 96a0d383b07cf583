"""Renders the report view to HTML (autoescaped: posts are hostile input) and to a plain-text summary."""

from __future__ import annotations

from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _autoescape(name: str | None) -> bool:
    """Everything is escaped except the plain-text summary, which no client reads as HTML."""
    return not (name or "").endswith(".txt")


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=_autoescape,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def render_html(view: dict) -> str:
    """The whole report as one self-contained, e-mail-safe HTML document."""
    return environment().get_template("report.html").render(**view)


def render_text(view: dict) -> str:
    """The headline figures and topics as plain text (the e-mail's text part)."""
    return environment().get_template("report.txt").render(**view)
