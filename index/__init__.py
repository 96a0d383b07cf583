"""Elasticsearch: versioned mappings and templates, the client, bulk indexing, trend queries."""
