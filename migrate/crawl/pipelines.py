"""Item pipeline of the crawl: every `LedgerBatch` the spider yields goes into the ledger."""

from __future__ import annotations

from migrate.crawl.ledgerwriter import LedgerBatch, LedgerWriter
from migrate.crawl.middlewares import JOB_SETTING
from migrate.ledger import Ledger


class LedgerPipeline:
    def __init__(self, ledger_path: str, town: str):
        self.ledger_path = ledger_path
        self.town = town
        self.ledger: Ledger | None = None
        self.writer: LedgerWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        job = crawler.settings[JOB_SETTING]
        return cls(job.ledger_path, job.town)

    def open_spider(self, spider=None):
        self.ledger = Ledger(self.ledger_path)
        self.writer = LedgerWriter(self.ledger, self.town)

    def process_item(self, item, spider=None):
        if isinstance(item, LedgerBatch):
            self.writer.add(item)
        return item

    def close_spider(self, spider=None):
        self.writer.flush()
        self.ledger.close()
