"""Scrapy extension of the crawl: progress for the parent process (see `migrate.crawl.events`)."""

from __future__ import annotations

import time

from scrapy import signals

from migrate.crawl import events


class ProgressReporter:
    """Sends (URLs done, URLs scheduled) a few times a second while the crawl runs."""

    INTERVAL = 0.5

    def __init__(self, crawler, label: str):
        self.crawler = crawler
        self.label = label
        self.last = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        from migrate.crawl.middlewares import JOB_SETTING

        reporter = cls(crawler, f"归档 {crawler.settings[JOB_SETTING].town_name}")
        crawler.signals.connect(reporter.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(reporter.spider_closed, signal=signals.spider_closed)
        return reporter

    def report(self):
        spider = self.crawler.spider
        events.emit("progress", done=spider.done, total=max(spider.scheduled, spider.done),
                    label=self.label)

    def item_scraped(self, item, **_):
        now = time.monotonic()
        if now - self.last >= self.INTERVAL:
            self.last = now
            self.report()

    def spider_closed(self, reason=None, **_):
        self.report()
        events.emit("closed", reason=reason)
