"""Arabic NLP: normalization, PII masking, brand matching, the transformer classifier, enrichment."""
