"""Scrapy settings for one township crawl, from `config.crawl` and the township's old site."""

from __future__ import annotations

from migrate.crawl.job import CrawlJob
from migrate.crawl.middlewares import JOB_SETTING, BackoffRetryMiddleware

RETRY_HTTP_CODES = [500, 502, 503, 504, 408, 429, 522, 524]
# Ask for identity bodies: the archived bytes are then the files themselves.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Accept-Encoding": "identity",
}


def retry_backoff_base(crawl) -> float:
    """First pause before a retry (doubling each time): a struggling server gets time to recover."""
    return max(0.5, 2 * crawl.delay)


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
        # `delay` is the spacing between two requests to a host, as configured. Scrapy's default
        # draws each wait from 0.5–1.5 × delay and re-draws while it waits, which spaces requests
        # about 1.22 × delay apart on average yet sometimes only 0.5 × delay.
        "DOWNLOAD_DELAY_JITTER": 0,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_file_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": crawl.retries > 0,
        "RETRY_TIMES": crawl.retries,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        BackoffRetryMiddleware.BASE_SETTING: retry_backoff_base(crawl),
        # Every response is archived as it came: 3xx are followed by the spider (so each hop
        # is its own ledger row), non-2xx reach the spider, refresh tags are links.
        "REDIRECT_ENABLED": False,
        "METAREFRESH_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "DEFAULT_REQUEST_HEADERS": DEFAULT_REQUEST_HEADERS,
        # The spider keeps its own seen-set of canonical URLs (no Request is built twice).
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        # Breadth-first: priority is -depth, set by the spider (which tracks depth itself).
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "DEPTH_LIMIT": 0,
        "DEPTH_PRIORITY": 0,
        # Middlewares whose work the spider already does (scope, caps, URL length) or that have
        # nothing to do here (no HTTP auth, the ledger keeps the counts): each costs every
        # request and response a pass through the chain.
        "SPIDER_MIDDLEWARES": {"scrapy.spidermiddlewares.depth.DepthMiddleware": None,
                               "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
                               "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None},
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
            "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
            "migrate.crawl.middlewares.ArchiveReplayMiddleware": 10,
            "migrate.crawl.middlewares.CapsMiddleware": 20,
            "migrate.crawl.middlewares.ConditionalMiddleware": 30,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "migrate.crawl.middlewares.BackoffRetryMiddleware": 550,
            "migrate.crawl.middlewares.WarcRecorderMiddleware": 950,
        },
        # Caps are asked again when a request leaves its host's queue (see migrate.crawl.handlers).
        "DOWNLOAD_HANDLERS": {"http": "migrate.crawl.handlers.BudgetedHTTPDownloadHandler",
                              "https": "migrate.crawl.handlers.BudgetedHTTPDownloadHandler"},
        "ITEM_PIPELINES": {"migrate.crawl.pipelines.LedgerPipeline": 100},
        # No code-execution server (Scrapy's remote control) in a crawl of government sites.
        "REMOTE_CONTROL_ENABLED": False,
        "EXTENSIONS": {
            "scrapy.extensions.telnet.TelnetConsole": None,
            "migrate.crawl.extensions.ProgressReporter": 500,
        },
        # Each callback yields one ledger batch: parallel item workers per response only cost
        # (an asyncio task each per page; Scrapy's default is 100).
        "CONCURRENT_ITEMS": 1,
        # Scrapy checks each callback's source for `return value` in a generator, caching the
        # verdict under the callback's bound method, which dies with its request: in practice it
        # re-reads and parses the spider's source for every response.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "COOKIES_ENABLED": True,
        "LOG_LEVEL": "INFO",
        "LOGSTATS_INTERVAL": 60.0,
        "MEMUSAGE_ENABLED": False,
        JOB_SETTING: job,
    }
