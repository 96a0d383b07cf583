"""Sentiment per brand: a post that names several tracked brands gets a sentiment for each
(`brands[].sentiment`, `brands[].sentiment_evidence`, `nlp.brand_sentiment`), so share of voice and
net sentiment per brand stop copying one label onto every brand of a comparison. The reading is in
`segments.py`; the team-labelled posts it is measured on, their guidelines and the measurement in
`labeled_posts.jsonl`, `guidelines.md`, `evaluate.py` (`nabd brand-sentiment eval`)."""
