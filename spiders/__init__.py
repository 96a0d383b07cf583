"""Collection: Scrapy spiders, item pipelines and a one-crawl-per-process runner that write raw mention JSONL."""
