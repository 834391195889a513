"""The crawl stage: each township's old site → gzip WARC files + ledger rows (docs/pipeline.md §1).

Layout: `runner` (crawl_towns, child processes) → `worker` (one Scrapy crawl) with the spider in
`spiders/generic.py` and Scrapy components in `middlewares` (WARC recorder, archive replay,
backoff retries), `pipelines` (ledger), `extensions` (progress). Plain helpers: `warc` (writing),
`ledgerwriter`, `scope` (scope and trap rules), `discovery` and `pagination` (links),
`classify` (kinds, file names), `state` (fresh start or resume), `job`, `events`, `settings`.
"""

from migrate.crawl.runner import crawl_towns

__all__ = ["crawl_towns"]
