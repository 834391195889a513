"""`python -m migrate.crawl.worker`: one township's crawl, in a process of its own.

Twisted's reactor cannot be started twice in a process, so `crawl_towns` runs each crawl here.
Reads a `CrawlJob` (JSON) on stdin, writes events (JSON lines) on stdout, logs on stderr.
SIGINT/SIGTERM stop the crawl gracefully (Scrapy's handlers): the ledger is flushed and the WARC
files are closed, so `--resume` continues where it stopped.
"""

from __future__ import annotations

import logging
import os
import sys

from migrate.crawl import events
from migrate.crawl.job import CrawlJob
from migrate.errors import UserError
from migrate.ledger import Ledger

logger = logging.getLogger("migrate.crawl.worker")


class SpiderClasses:
    """Spider classes by name: from `spiders/<name>.py` when the spider lives there (the
    convention: one import), else from every module of `spiders/` (Scrapy's loader, which
    imports them all, the distributed mode's Redis client included)."""

    def __init__(self):
        self._all = None

    def load(self, name: str) -> type:
        found = self._from_own_module(name)
        return found if found is not None else self._everything().load(name)

    def list(self) -> list[str]:
        return self._everything().list()

    @staticmethod
    def _from_own_module(name: str) -> type | None:
        import importlib

        import scrapy

        module_name = f"spiders.{name}"
        if not name.isidentifier():
            return None
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, scrapy.Spider) and getattr(value, "name", None) == name:
                return value
        return None

    def _everything(self):
        if self._all is None:
            from scrapy.settings import Settings
            from scrapy.spiderloader import SpiderLoader

            self._all = SpiderLoader.from_settings(Settings({"SPIDER_MODULES": ["spiders"]}))
        return self._all


def spider_loader() -> SpiderClasses:
    return SpiderClasses()


def load_spider_class(loader, name: str) -> type:
    from spiders.generic import GovSiteSpider

    try:
        spidercls = loader.load(name)
    except KeyError:
        known = "、".join(sorted(loader.list()))
        raise UserError(f"配置中 old_site.spider 指定的爬虫 “{name}” 不存在。",
                        hint=f"spiders/ 目录中可用的爬虫有：{known}。请改正 sitemigrate.yaml 或删除该项以使用通用爬虫。")
    if not issubclass(spidercls, GovSiteSpider):
        raise UserError(f"爬虫 “{name}” 不是 GovSiteSpider 的子类，不能用于乡镇网站归档。",
                        hint="请在 spiders/ 中让它继承 spiders.generic.GovSiteSpider。")
    return spidercls


def run(job: CrawlJob) -> str | None:
    """Crawl one township with the configured engine; returns its close reason."""
    if job.settings.engine == "scrapy":
        return run_scrapy(job)
    return run_asyncio(job)


def run_asyncio(job: CrawlJob) -> str:
    from migrate.crawl.engine import Engine, with_sidecar_analysis
    from migrate.crawl.state import crawl_start

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s")
    spidercls = with_sidecar_analysis(load_spider_class(spider_loader(), job.spider))
    with Ledger(job.ledger_path) as ledger:
        start = crawl_start(job, ledger)
    return Engine(job, spidercls(job=job, start=start), **sidecar_option()).run()


def sidecar_option() -> dict:
    """`SITEMIGRATE_SIDECAR_BACKLOG` (tests, benchmarks): when the engine's second process
    starts: a number of waiting URLs (0: at once), or `never`."""
    value = os.environ.get("SITEMIGRATE_SIDECAR_BACKLOG", "").strip()
    if not value:
        return {}
    return {"sidecar_backlog": None if value == "never" else int(value)}


def run_scrapy(job: CrawlJob) -> str | None:
    from scrapy.crawler import CrawlerProcess

    from migrate.crawl.settings import scrapy_settings
    from migrate.crawl.state import crawl_start

    process = CrawlerProcess(scrapy_settings(job))
    spidercls = load_spider_class(process.spider_loader, job.spider)
    with Ledger(job.ledger_path) as ledger:
        start = crawl_start(job, ledger)
    crawler = process.create_crawler(spidercls)
    process.crawl(crawler, job=job, start=start)
    process.start()
    return crawler.stats.get_value("finish_reason") if crawler.stats else None


def main() -> int:
    job = CrawlJob.from_json(sys.stdin.read())
    return events.run_reporting(lambda: {"reason": run(job)}, f"抓取 {job.town_name} 时出现内部错误", logger)


def exit_now(code: int):
    """Leave without the interpreter's teardown of the crawl's heap (a tenth of a second or
    more after a big crawl): every file the crawl wrote is closed by the time `main` returns."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
