"""The daily brand-health report (DESIGN.md §6): figures, HTML and PDF, the stored day, e-mail."""
