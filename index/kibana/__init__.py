"""Kibana assets for analysts: saved-object definitions, the NDJSON they render to, and importing it."""
