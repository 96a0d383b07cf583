"""Headless Chromium: finding it, and printing a saved page to PDF, to PNG, or its DOM, within a timeout."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 120.0
QUIET = ("--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
         "--disable-sync", "--disable-background-networking", "--disable-component-update", "--hide-scrollbars",
         "--mute-audio")


class ChromiumError(RuntimeError):
    """Chromium is missing, failed, or took too long."""


def find_chromium() -> str:
    """$NABD_CHROMIUM (read now) or the first Chromium or Chrome on PATH."""
    configured = os.environ.get("NABD_CHROMIUM")
    if configured:
        if not shutil.which(configured):
            raise ChromiumError(f"environment variable NABD_CHROMIUM points at {configured!r}, which is not a program")
        return configured
    for name in CANDIDATES:
        if shutil.which(name):
            return shutil.which(name)
    raise ChromiumError("headless Chromium is needed to print the report (PDF): install it with "
                        "`apt-get install chromium` (scripts/bootstrap.sh does) or set NABD_CHROMIUM to its path")


def _sandbox_flags() -> tuple[str, ...]:
    """Chromium refuses to start its sandbox as root; the report forbids scripts by its own CSP."""
    return ("--no-sandbox",) if hasattr(os, "geteuid") and os.geteuid() == 0 else ()


def run_headless(page: Path, *flags: str, timeout_s: float = TIMEOUT_S) -> str:
    """Runs Chromium once on a local page with a throw-away profile; its standard output."""
    with tempfile.TemporaryDirectory(prefix="nabd-chromium-") as profile:
        command = [find_chromium(), *QUIET, *_sandbox_flags(), f"--user-data-dir={profile}",
                   *flags,
                   Path(page).resolve().as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as error:
            raise ChromiumError(f"Chromium did not finish {page} within {timeout_s:.0f} s") from error
    if result.returncode != 0:
        detail = " | ".join(result.stderr.strip().splitlines()[-3:])
        raise ChromiumError(f"Chromium failed on {page} (exit {result.returncode}): {detail}")
    return result.stdout


def print_pdf(page: Path, pdf: Path) -> Path:
    """The page printed to `pdf` (A4 from the page's @page rule, no header or footer)."""
    pdf.unlink(missing_ok=True)
    run_headless(page, f"--print-to-pdf={pdf.resolve()}", "--no-pdf-header-footer")
    if not pdf.is_file() or pdf.read_bytes()[:5] != b"%PDF-":
        raise ChromiumError(f"Chromium wrote no PDF to {pdf}")
    return pdf


def screenshot(page: Path, png: Path, width: int = 760, height: int = 3600) -> Path:
    """The page rendered to a PNG of `width` × `height` pixels."""
    png.unlink(missing_ok=True)
    run_headless(page, f"--screenshot={png.resolve()}", f"--window-size={width},{height}")
    if not png.is_file() or png.read_bytes()[:8] != b"\x89PNG\r\n\x1a\n":
        raise ChromiumError(f"Chromium wrote no PNG to {png}")
    return png


def dump_dom(page: Path) -> str:
    """The page's DOM after loading and running its scripts (the report has none; probes do), as HTML."""
    return run_headless(page, "--dump-dom", "--virtual-time-budget=5000")
