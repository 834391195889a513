"""Crawl the three bundled sample sites through the sample server and compare with the truth."""

import hashlib
import re
import subprocess
from pathlib import Path

import pytest

from migrate.archive import read_record
from migrate.config import load_config
from migrate.crawl import classify
from migrate.crawl import crawl_towns
from migrate.ledger import Ledger
from migrate.samples import truth
from migrate.samples.discovery_cases import DISCOVERY_CASES
from migrate.samples.server import start_sample_server

ROOT = Path(__file__).resolve().parents[1]
TRAP_RULES = {"calendar": "trap:calendar", "print": "trap:print", "session": "trap:session-id"}


def fast_config(tmp_path: Path):
    """The bundled county config, with test speed politeness (delay 0, 8 per host)."""
    text = (ROOT / "sitemigrate.yaml").read_text(encoding="utf-8")
    text = re.sub(r"concurrency_per_host: \d+", "concurrency_per_host: 8", text)
    text = re.sub(r"delay: [\d.]+", "delay: 0", text)
    (tmp_path / "sitemigrate.yaml").write_text(text, encoding="utf-8")
    return load_config(tmp_path / "sitemigrate.yaml")


@pytest.fixture(scope="module")
def sample_crawl(tmp_path_factory):
    config = fast_config(tmp_path_factory.mktemp("samples"))
    with start_sample_server() as server:
        stats = crawl_towns(config, config.townships, proxy=server.proxy_url)
    with Ledger(config.ledger_path) as ledger:
        rows = {t.slug: {r["url"]: r for r in ledger.rows(t.slug)} for t in config.townships}
    return config, stats, rows


def is_crawl_infrastructure(row: dict) -> bool:
    """robots.txt and sitemaps: archived, but not part of the site's linked pages."""
    return classify.is_crawl_infrastructure(row["url"], row["found_on"])


@pytest.mark.parametrize("town", ["taoyuan", "qingshi", "liuhe"])
def test_archived_set_equals_the_truth(sample_crawl, town):
    _, stats, rows = sample_crawl
    archived = {u for u, r in rows[town].items()
                if r["state"] == "fetched" and r["status"] == 200 and not is_crawl_infrastructure(r)}
    assert archived == truth.expected_archivable_urls(town)
    broken = {u for u, r in rows[town].items() if r["state"] == "fetched" and r["status"] == 404}
    assert truth.broken_urls_linked(town) <= broken
    assert not [u for u, r in rows[town].items() if r["state"] in ("queued", "failed")]
    # no sample page is a soft 404, mislabelled or a redirect loop
    assert {u: r["rule"] for u, r in rows[town].items() if r["state"] == "fetched" and r["rule"]} == {}
    assert stats[town]["pages"] >= len(truth.expected_urls_by_kind(town)["page"])


@pytest.mark.parametrize("town", ["taoyuan", "qingshi", "liuhe"])
def test_traps_are_excluded_with_their_rule(sample_crawl, town):
    _, _, rows = sample_crawl
    for url in truth.trap_urls_linked(town):
        pattern = next(t for t in truth.TRAP_URL_PATTERNS if re.search(t["pattern"], url, re.I))
        assert (rows[town][url]["state"], rows[town][url]["rule"]) == ("excluded", TRAP_RULES[pattern["kind"]]), url
    archived = [u for u, r in rows[town].items() if r["state"] == "fetched"]
    assert not [u for u in archived if truth.is_trap_url(u)]


def test_attachments_are_byte_identical(sample_crawl):
    config, _, rows = sample_crawl
    assert truth.ATTACHMENTS
    for attachment in truth.ATTACHMENTS:
        row = rows[attachment["town"]][attachment["url"]]
        assert row["kind"] == "attachment" and row["sha256"] == attachment["sha256"], attachment["url"]
        body = read_record(config.workdir, row["warc_file"], row["warc_offset"]).body
        assert hashlib.sha256(body).hexdigest() == attachment["sha256"]
        assert row["filename"], attachment["url"]


def test_hanweb_list_pages_link_their_articles(sample_crawl):
    config, _, rows = sample_crawl
    with Ledger(config.ledger_path) as ledger:
        for article in (a for a in truth.ARTICLES if a["town"] == "qingshi"):
            sources = {link["src"] for link in ledger.linked_from("qingshi", article["url"])}
            assert any("/col/col" in s or "dataproxy.jsp" in s for s in sources), article["url"]


def test_every_warc_file_passes_warcio_check(sample_crawl):
    config, _, _ = sample_crawl
    files = [f for t in config.townships for f in sorted(config.archive_dir(t.slug).glob("*.warc.gz*"))]
    assert files and all(f.name.endswith(".warc.gz") for f in files)
    for path in files:
        result = subprocess.run(["warcio", "check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", sorted(DISCOVERY_CASES))
def test_discovery_case(sample_crawl, case):
    """Each way of finding a URL (migrate.samples.discovery_cases) leads the crawl to its page."""
    config, _, rows = sample_crawl
    found = DISCOVERY_CASES[case]
    town = rows[found.town]
    assert (town[found.via]["state"], town[found.via]["status"]) == ("fetched", 200), found.via
    row = town.get(found.url)
    assert row is not None and (row["state"], row["status"]) == ("fetched", 200), found.url
    if found.check == "found_on":
        assert row["found_on"] in (found.via, *found.via_aliases)
    else:
        with Ledger(config.ledger_path) as ledger:
            texts = {link["text"] for link in ledger.linked_from(found.town, found.url) if link["src"] == found.via}
        assert texts, f"no link {found.via} → {found.url}"
        if found.text is not None:
            assert texts == {found.text}
    if found.filename is not None:
        assert (row["kind"], row["filename"]) == ("attachment", found.filename)


def test_stylesheet_comments_lead_nowhere(sample_crawl):
    """A rule commented out of liuhe's style.css names an image long deleted: not requested."""
    _, _, rows = sample_crawl
    assert not [url for url in rows["liuhe"] if "nav_old" in url]
    css_found = {url for url, row in rows["liuhe"].items() if row["found_on"] and row["found_on"].endswith(".css")}
    assert css_found == {truth_url for truth_url in truth.expected_archivable_urls("liuhe")
                         if truth_url.endswith(("/nav_bg.gif", "/banner_bg.jpg", "/skin/blue.css"))}


def test_script_pieces_glued_with_plus_are_not_requested(sample_crawl):
    """taoyuan's focus script builds "/images/focus/" + w + ".jpg": no such address."""
    _, _, rows = sample_crawl
    assert not [url for url in rows["taoyuan"] if "pixviewer" in url or url.endswith("/focus/480.jpg")]
    # common.js's relative "images/close.gif" is relative to whichever page runs the script
    assert not [url for url in rows["taoyuan"] if url.endswith("/close.gif")]
    assert {url for url in rows["taoyuan"] if "/images/focus/" in url} == {
        url for url in truth.expected_archivable_urls("taoyuan") if "/images/focus/" in url}
