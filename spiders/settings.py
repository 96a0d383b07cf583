"""Scrapy settings shared by every nabd spider: polite, bounded and quiet by default."""

BOT_NAME = "nabd"
SPIDER_MODULES = ["spiders.sources"]
NEWSPIDER_MODULE = "spiders.sources"

# Who we are and how to reach us: site owners see this in their logs.
USER_AGENT = "nabd/0.1 (Arabic social listening crawler; +https://github.com/nabd-project/nabd)"

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 % around DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Bounded work: every request has a timeout; failures are retried a few times, then given up.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
RETRY_AFTER_MAX = 120.0  # seconds; a longer Retry-After gives the request up
RETRY_AFTER_DEFAULT = 5.0  # seconds to wait on a 429/503 without a readable Retry-After
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.RetryAfterMiddleware": 550,
}

ITEM_PIPELINES = {
    "spiders.pipelines.ValidateMentionPipeline": 100,
    "spiders.pipelines.HtmlToTextPipeline": 200,
    "spiders.pipelines.UtcTimestampPipeline": 300,
    "spiders.pipelines.DataIntervalPipeline": 400,
    "spiders.pipelines.PseudonymizeAuthorPipeline": 500,
    "spiders.pipelines.QueryPipeline": 600,
    "spiders.pipelines.DuplicatePipeline": 700,
    "spiders.pipelines.ChannelWatermarkPipeline": 800,
}

# Which environment variable holds the author pseudonymization key (config: settings.privacy).
NABD_PSEUDONYM_KEY_ENV = "NABD_PSEUDONYM_KEY"
NABD_KEEP_AUTHOR_NAMES = False

# Quiet and self-contained.
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
COOKIES_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
