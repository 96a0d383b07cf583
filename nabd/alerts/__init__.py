"""Negative-spike alerts: detection over count series (delivery and the index runner come with the insights issue)."""
