"""Scrapy's HTTP download handler, asking the crawl's caps at the moment a request is sent.

`CapsMiddleware` turns away what waits in the scheduler once a budget is spent; requests that
already sit in a host's download queue (Scrapy lets up to CONCURRENT_REQUESTS wait there for a
polite host's turn) only meet this check, just before they would go out.
"""

from __future__ import annotations

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest

from migrate.crawl.middlewares import CapsMiddleware


class BudgetedHTTPDownloadHandler(HTTP11DownloadHandler):
    async def download_request(self, request):
        spider = self.crawler.spider
        rule = spider.cap_rule() if hasattr(spider, "cap_rule") else None
        if rule:
            request.meta[CapsMiddleware.CAP_META] = rule
            raise IgnoreRequest(rule)
        return await super().download_request(request)
