"""Issue acceptance: a crawl of a real sample site killed with `kill -9` midway and resumed ends
with exactly the archived URLs and payload digests of an uninterrupted crawl, and the archive
verifies."""

import os
import shutil
import signal

import pytest

from migrate.archive_verify import verify_archive
from migrate.config import load_config
from migrate.crawl import crawl_towns
from migrate.ledger import Ledger
from migrate.samples.server import start_sample_server
from tests.conftest import ROOT
from tests.test_crawl import start_worker, wait_for_progress

TOWN = "taoyuan"


def workspace(path, delay=0.0, concurrency=8):
    path.mkdir(parents=True)
    shutil.copy(ROOT / "sitemigrate.yaml", path / "sitemigrate.yaml")
    config = load_config(path / "sitemigrate.yaml")
    config.townships = [config.township(TOWN)]
    config.crawl.delay, config.crawl.concurrency_per_host = delay, concurrency
    return config


def digests(config) -> dict[str, str]:
    with Ledger(config.ledger_path) as ledger:
        return {r["url"]: r["payload_digest"] for r in ledger.rows(TOWN, "fetched")}


@pytest.mark.parametrize("sidecar", ["never", "0"], ids=["one-process", "with-sidecar"])
def test_kill_9_then_resume_equals_an_uninterrupted_crawl(tmp_path, monkeypatch, sidecar):
    # "0": the asyncio engine's second process archives from the start (it does on big sites)
    monkeypatch.setenv("SITEMIGRATE_SIDECAR_BACKLOG", sidecar)
    with start_sample_server() as server:
        reference = workspace(tmp_path / "reference")
        crawl_towns(reference, reference.townships, proxy=server.proxy_url)

        config = workspace(tmp_path / "killed", delay=0.02, concurrency=1)
        child = start_worker(config, server.proxy_url)
        wait_for_progress(child.stdout, 40)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        # Killed mid-file: the ledger may not have flushed yet, the WARC holds what was fetched.
        assert list(config.archive_dir(TOWN).glob("*.open"))
        assert len(digests(config)) < len(digests(reference))

        config.crawl.delay, config.crawl.concurrency_per_host = 0.0, 8
        crawl_towns(config, config.townships, proxy=server.proxy_url, resume=True)

    assert digests(config) == digests(reference)
    with Ledger(config.ledger_path) as ledger:
        report = verify_archive(config, ledger)
    assert report.ok, report.problems
