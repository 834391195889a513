"""Scrapy settings for one township crawl, from `config.crawl` and the township's old site."""

from __future__ import annotations

from migrate.crawl.job import CrawlJob
from migrate.crawl.middlewares import JOB_SETTING, BackoffRetryMiddleware

RETRY_HTTP_CODES = [500, 502, 503, 504, 408, 429, 522, 524]


def scrapy_settings(job: CrawlJob) -> dict:
    crawl = job.settings
    per_host = max(1, crawl.concurrency_per_host)
    return {
        "BOT_NAME": "sitemigrate",
        "SPIDER_MODULES": ["spiders"],
        "USER_AGENT": crawl.user_agent,
        # robots.txt is read by the spider, so each URL it forbids is logged with rule `robots`.
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS": max(16, per_host * max(1, len(job.hosts))),
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_host,
        "DOWNLOAD_DELAY": crawl.delay,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_file_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        BackoffRetryMiddleware.BASE_SETTING: max(0.5, 2 * crawl.delay),
        # Every response is archived as it came: 3xx are followed by the spider (so each hop
        # is its own ledger row), non-2xx reach the spider, refresh tags are links.
        "REDIRECT_ENABLED": False,
        "METAREFRESH_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        # Ask for identity bodies: the archived bytes are then the files themselves.
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9",
            "Accept-Encoding": "identity",
        },
        # The spider keeps its own seen-set of canonical URLs (no Request is built twice).
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        # Breadth-first: priority is -depth, set by the spider (which tracks depth itself).
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "DEPTH_LIMIT": 0,
        "DEPTH_PRIORITY": 0,
        "SPIDER_MIDDLEWARES": {"scrapy.spidermiddlewares.depth.DepthMiddleware": None},
        "DOWNLOADER_MIDDLEWARES": {
            "migrate.crawl.middlewares.ArchiveReplayMiddleware": 10,
            "migrate.crawl.middlewares.CapsMiddleware": 20,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "migrate.crawl.middlewares.BackoffRetryMiddleware": 550,
            "migrate.crawl.middlewares.WarcRecorderMiddleware": 950,
        },
        "ITEM_PIPELINES": {"migrate.crawl.pipelines.LedgerPipeline": 100},
        "EXTENSIONS": {
            "scrapy.extensions.telnet.TelnetConsole": None,
            "migrate.crawl.extensions.ProgressReporter": 500,
        },
        # Each callback yields one ledger batch: Scrapy's default of 100 parallel item workers
        # per response only costs (100 asyncio tasks per page).
        "CONCURRENT_ITEMS": 4,
        "COOKIES_ENABLED": True,
        "LOG_LEVEL": "INFO",
        "LOGSTATS_INTERVAL": 60.0,
        "MEMUSAGE_ENABLED": False,
        JOB_SETTING: job,
    }
