"""The crawl stage: each township's old site → gzip WARC files + ledger rows (docs/pipeline.md §1).

Layout: `runner` (crawl_towns, child processes; `towns` runs several townships at once) → `worker` (one township's crawl, on `engine`
(asyncio, with its `fetcher` and `sidecar`) or Scrapy's engine) with the spider in
`spiders/generic.py` and Scrapy components in `middlewares` (WARC recorder, archive replay,
backoff retries), `pipelines` (ledger), `extensions` (progress). Plain helpers: `warc` (writing),
`ledgerwriter`, `scope` (scope and trap rules), `discovery` and `pagination` (links),
`classify` (kinds, file names), `state` (fresh start or resume), `job`, `events`, `settings`.
"""

__all__ = ["crawl_towns"]


def __getattr__(name: str):
    # Lazy: the crawl's child processes import `migrate.crawl.*` modules and need none of the
    # runner's (reports, ledger statistics); they start faster without them.
    if name == "crawl_towns":
        from migrate.crawl.runner import crawl_towns

        return crawl_towns
    raise AttributeError(name)
