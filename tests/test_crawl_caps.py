"""Per-township caps (pages, bytes, time): every URL left out is in the ledger with the cap's rule,
and a resumed crawl with more budget fetches what the cap left out."""

import time

from migrate.crawl import crawl_towns
from tests.test_crawl import FixtureSite, make_workspace, rows_by_url

CAP_RULES = {"max-pages", "max-bytes", "max-time"}


def capped(rows: dict, rule: str) -> set[str]:
    return {u for u, r in rows.items() if r["state"] == "excluded" and r["rule"] == rule}


def assert_nothing_left_unaccounted(rows: dict):
    assert not [u for u, r in rows.items() if r["state"] == "queued"]
    assert all(r["rule"] for r in rows.values() if r["state"] == "excluded")


def test_time_cap_leaves_the_rest_in_the_ledger_and_resume_finishes(tmp_path):
    config = make_workspace(tmp_path / "ws", concurrency=1)
    config.crawl.max_seconds = 1.0
    with FixtureSite(delay=0.15) as site:
        started = time.monotonic()
        stats = crawl_towns(config, config.townships, proxy=site.proxy_url)
        elapsed = time.monotonic() - started
        rows = rows_by_url(config)
        left_out = capped(rows, "max-time")
        assert left_out and stats["fixture"]["excluded"] >= len(left_out)
        # one request at a time, 0.15 s apart: about seven in the 1 s budget, not the 60 of the site
        assert stats["fixture"]["fetched"] + stats["fixture"]["failed"] <= 20, elapsed
        assert_nothing_left_unaccounted(rows)
        asked = {f"http://{h}{p}" for _, h, p, _ in site.requests}
        assert not {u for u in left_out if u in asked}           # never sent

        config.crawl.max_seconds = None
        config.crawl.concurrency_per_host = 8
        site.delay = 0
        crawl_towns(config, config.townships, proxy=site.proxy_url, resume=True)
    rows = rows_by_url(config)
    assert not {u for u, r in rows.items() if r["rule"] in CAP_RULES}
    assert all(rows[u]["state"] in ("fetched", "failed", "excluded") for u in left_out)
    assert {u for u in left_out if rows[u]["state"] == "fetched"}
    assert_nothing_left_unaccounted(rows)


def test_byte_cap_stops_queued_downloads(tmp_path):
    config = make_workspace(tmp_path / "ws", concurrency=1)
    config.crawl.max_bytes = 30_000
    with FixtureSite() as site:
        stats = crawl_towns(config, config.townships, proxy=site.proxy_url)
    rows = rows_by_url(config)
    assert capped(rows, "max-bytes")
    assert_nothing_left_unaccounted(rows)
    # one request at a time: only the download that crossed the cap goes over it
    biggest = max((r["length"] or 0) for r in rows.values())
    assert stats["fixture"]["bytes"] < config.crawl.max_bytes + biggest


def test_page_cap_is_lifted_on_resume_with_a_bigger_budget(tmp_path):
    config = make_workspace(tmp_path / "ws")
    config.crawl.max_pages = 5
    with FixtureSite() as site:
        crawl_towns(config, config.townships, proxy=site.proxy_url)
        first = rows_by_url(config)
        assert capped(first, "max-pages") and sum(1 for r in first.values() if r["state"] != "excluded") == 5
        crawl_towns(config, config.townships, proxy=site.proxy_url, resume=True)     # same cap: nothing more
        assert {u: r["state"] for u, r in rows_by_url(config).items()} == {u: r["state"] for u, r in first.items()}
        config.crawl.max_pages = 50_000
        crawl_towns(config, config.townships, proxy=site.proxy_url, resume=True)
    rows = rows_by_url(config)
    assert not {u for u, r in rows.items() if r["rule"] in CAP_RULES}
    assert sum(1 for r in rows.values() if r["state"] == "fetched") > 40
    assert_nothing_left_unaccounted(rows)
