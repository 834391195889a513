"""archive verify: a real crawl of a sample township verifies clean; each kind of damage to the
WARC files, the ledger or SHA256SUMS is found and named by file, offset and URL.

`crawled_town` (also used by test_wacz.py) crawls one bundled sample site once per module;
each test works on its own copy of that workspace.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.archive import iter_records
from migrate.archive_verify import MANIFEST_NAME, file_sha256, read_manifest, verify_archive
from migrate.cli import cli
from migrate.cli_archive import archive_group
from migrate.config import Config, load_config
from migrate.crawl import crawl_towns
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.samples.server import start_sample_server

ROOT = Path(__file__).resolve().parents[1]
TOWN = "taoyuan"


def write_fast_config(root: Path) -> Config:
    """The bundled county config with test-speed politeness (no delay, 8 requests per host)."""
    text = (ROOT / "sitemigrate.yaml").read_text(encoding="utf-8")
    text = re.sub(r"concurrency_per_host: \d+", "concurrency_per_host: 8", text)
    text = re.sub(r"delay: [\d.]+", "delay: 0", text)
    (root / "sitemigrate.yaml").write_text(text, encoding="utf-8")
    return load_config(root / "sitemigrate.yaml")


def crawl_town(root: Path, town: str = TOWN) -> Config:
    config = write_fast_config(root)
    with start_sample_server() as server:
        crawl_towns(config, [config.township(town)], proxy=server.proxy_url)
    return config


def copy_workspace(source: Path, target: Path) -> Config:
    shutil.copytree(source, target)
    return load_config(target / "sitemigrate.yaml")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("crawled")
    crawl_town(root)
    return root


@pytest.fixture
def workspace(crawled, tmp_path) -> Config:
    return copy_workspace(crawled, tmp_path / "ws")


def verify(config: Config, towns=(TOWN,)):
    with Ledger(config.ledger_path) as ledger:
        return verify_archive(config, ledger, list(towns))


def warc_file(config: Config) -> Path:
    [path] = sorted(config.archive_dir(TOWN).glob("*.warc.gz"))
    return path


def ledger_row(config: Config, where: str) -> dict:
    """The first archived row (in file order) matching `where`."""
    with Ledger(config.ledger_path) as ledger:
        row = ledger.db.execute(f"SELECT * FROM urls WHERE town=? AND state='fetched' AND {where} "
                                "ORDER BY warc_offset LIMIT 1", (TOWN,)).fetchone()
    return dict(row)


def ledger_sql(config: Config, sql: str, params=()):
    with Ledger(config.ledger_path) as ledger:
        ledger.db.execute(sql, params)


def rewrite_member(path: Path, offset: int, change=lambda raw: raw, level: int = 9):
    """Replace the gzip member at `offset` by `change(its content)`, compressed at `level`."""
    data = path.read_bytes()
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    raw = inflater.decompress(data[offset:])
    end = len(data) - len(inflater.unused_data)
    path.write_bytes(data[:offset] + gzip.compress(change(raw), compresslevel=level, mtime=0) + data[end:])


def flip_last_payload_byte(raw: bytes) -> bytes:
    # A record is headers, block, then "\r\n\r\n": the block's last byte is the payload's.
    position = len(raw) - 5
    return raw[:position] + bytes([raw[position] ^ 0x01]) + raw[position + 1:]


def problems_of(report, kind: str) -> list:
    return [p for p in report.problems if p.kind == kind]


# ---------------------------------------------------------------------- clean archive

def test_clean_crawl_verifies_and_records_the_manifest(workspace):
    report = verify(workspace)
    assert report.ok, [p.message for p in report.problems]
    counts = report.counts[TOWN]
    assert counts["files"] == 1 and counts["responses"] > 100 and counts["revisits"] > 0
    assert counts["ledger_rows"] > counts["responses"]      # excluded URLs have rows too
    path = warc_file(workspace)
    assert read_manifest(path.parent) == {path.name: file_sha256(path)}
    saved = json.loads((workspace.reports_dir / "archive-verify.json").read_text(encoding="utf-8"))
    assert saved["ok"] is True and saved["towns"][TOWN]["files"] == 1
    assert "未发现问题" in report.summary()
    assert verify(workspace).ok                              # the manifest now matches


# ---------------------------------------------------------------------- damaged WARC files

def test_flipped_payload_byte_is_named_by_file_offset_and_url(workspace):
    row = ledger_row(workspace, "kind='page' AND revisit_of IS NULL AND status=200")
    path = warc_file(workspace)
    rewrite_member(path, row["warc_offset"], flip_last_payload_byte)
    report = verify(workspace)
    damage = [p for p in problems_of(report, "digest") if p.offset == row["warc_offset"]]
    # both the record block and the payload in it fail their digests
    assert sorted("Payload" in p.message for p in damage) == [False, True]
    for problem in damage:
        assert (problem.file, problem.url) == (row["warc_file"], row["url"])
        assert row["url"] in problem.message and row["warc_file"] in problem.message
        assert f"偏移 {row['warc_offset']}" in problem.message
    # the ledger's sha256 of the payload no longer matches either
    assert any(p.url == row["url"] for p in problems_of(report, "ledger_digest"))
    assert not report.ok


def test_torn_last_record_is_reported(workspace):
    path = warc_file(workspace)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size - 40)
    report = verify(workspace)
    kinds = {p.kind for p in report.problems}
    assert kinds & {"incomplete", "damaged", "stray_bytes"}, kinds


def test_bytes_after_the_last_record_are_reported(workspace):
    path = warc_file(workspace)
    size = path.stat().st_size
    with open(path, "ab") as fh:
        fh.write(b"\0" * 64)
    report = verify(workspace)
    [problem] = report.problems        # warcio stops there, or reads them as no record
    assert problem.kind in ("damaged", "stray_bytes") and problem.offset == size


def test_revisit_block_digest_is_checked(workspace):
    # warcio's checker skips revisit records; their block (the HTTP headers) is checked here
    row = ledger_row(workspace, "revisit_of IS NOT NULL")
    rewrite_member(warc_file(workspace), row["warc_offset"], lambda raw: raw.replace(b" 200 OK\r\n", b" 200 Ok\r\n", 1))
    report = verify(workspace)
    assert any(p.offset == row["warc_offset"] and "WARC-Block-Digest" in p.message for p in problems_of(report, "digest"))


def test_unsealed_file_is_reported(workspace):
    path = warc_file(workspace)
    path.rename(path.with_name(path.name + ".open"))
    report = verify(workspace)
    [unsealed] = problems_of(report, "unsealed")
    assert "sitemigrate crawl --resume" in unsealed.message
    # the ledger still finds its records in the open file
    assert not problems_of(report, "ledger_record") and not problems_of(report, "ledger_file")


# ---------------------------------------------------------------------- ledger against archive

def test_ledger_row_with_wrong_offset_is_reported(workspace):
    row = ledger_row(workspace, "kind='page' AND status=200")
    ledger_sql(workspace, "UPDATE urls SET warc_offset=warc_offset+1 WHERE town=? AND url=?", (TOWN, row["url"]))
    report = verify(workspace)
    [wrong] = problems_of(report, "ledger_record")
    assert (wrong.url, wrong.offset, wrong.file) == (row["url"], row["warc_offset"] + 1, row["warc_file"])


def test_ledger_row_pointing_at_another_urls_record_is_reported(workspace):
    first = ledger_row(workspace, "kind='page' AND status=200")
    other = ledger_row(workspace, "kind='image' AND status=200")
    ledger_sql(workspace, "UPDATE urls SET warc_offset=? WHERE town=? AND url=?",
               (other["warc_offset"], TOWN, first["url"]))
    report = verify(workspace)
    [wrong] = problems_of(report, "ledger_url")
    assert wrong.url == first["url"] and other["url"] in wrong.message


def test_ledger_digest_mismatch_is_reported(workspace):
    row = ledger_row(workspace, "kind='attachment' AND status=200")
    ledger_sql(workspace, "UPDATE urls SET payload_digest='sha1:AAAA' WHERE town=? AND url=?", (TOWN, row["url"]))
    report = verify(workspace)
    assert [p.url for p in problems_of(report, "ledger_digest")] == [row["url"]]


def test_response_missing_from_the_ledger_is_reported(workspace):
    row = ledger_row(workspace, "kind='attachment' AND status=200")
    ledger_sql(workspace, "DELETE FROM urls WHERE town=? AND url=?", (TOWN, row["url"]))
    report = verify(workspace)
    [unknown] = problems_of(report, "unknown_response")
    assert (unknown.url, unknown.offset, unknown.file) == (row["url"], row["warc_offset"], row["warc_file"])


def test_revisit_pointing_nowhere_is_reported(workspace):
    row = ledger_row(workspace, "revisit_of IS NOT NULL")
    path = warc_file(workspace)

    def misdirect(raw: bytes) -> bytes:
        changed = re.sub(rb"Sitemigrate-Refers-To-Offset: (\d+)", lambda m: b"Sitemigrate-Refers-To-Offset: 1" + m[1], raw)
        assert changed != raw
        return changed

    rewrite_member(path, row["warc_offset"], misdirect)
    report = verify(workspace)
    assert any(p.offset == row["warc_offset"] and p.url == row["url"] for p in problems_of(report, "revisit"))


# ---------------------------------------------------------------------- SHA256SUMS

def test_changed_closed_file_is_caught_by_the_manifest(workspace):
    assert verify(workspace).ok
    path = warc_file(workspace)
    manifest_before = (path.parent / MANIFEST_NAME).read_text(encoding="utf-8")
    # Recompress the last record (a request: nothing points at it) at another level: every record
    # still reads back correctly, only the file's bytes differ.
    last = list(iter_records(path))[-1]
    assert last.rec_type == "request"
    rewrite_member(path, last.offset, level=1)
    report = verify(workspace)
    assert [p.kind for p in report.problems] == ["manifest_changed"]
    assert path.name in report.problems[0].message
    # a changed file never becomes the new reference
    assert (path.parent / MANIFEST_NAME).read_text(encoding="utf-8") == manifest_before


def test_deleted_file_is_missing_but_a_superseded_one_is_not(workspace):
    assert verify(workspace).ok
    path = warc_file(workspace)
    moved = path.parent / "superseded" / "20260101T000000" / path.name
    moved.parent.mkdir(parents=True)
    path.rename(moved)
    report = verify(workspace)
    assert not problems_of(report, "manifest_missing")            # moved aside by a fresh crawl
    assert problems_of(report, "ledger_file")                      # ... but the ledger still points there
    assert MANIFEST_NAME in [p.name for p in path.parent.iterdir()]
    assert read_manifest(path.parent) == {}


def test_deleted_file_is_reported_missing(workspace):
    assert verify(workspace).ok
    path = warc_file(workspace)
    path.unlink()
    report = verify(workspace)
    [missing] = problems_of(report, "manifest_missing")
    assert path.name in missing.message
    assert problems_of(report, "no_archive")


# ---------------------------------------------------------------------- CLI

def run_archive(config: Config, *args):
    if "archive" not in cli.commands:      # until migrate/cli.py adds the group itself
        cli.add_command(archive_group)
    return CliRunner().invoke(cli, ["--config", str(config.path), "archive", *args])


def test_cli_exit_codes(workspace):
    clean = run_archive(workspace, "verify", TOWN)
    assert clean.exit_code == 0, clean.output
    assert "未发现问题" in clean.output
    row = ledger_row(workspace, "kind='attachment' AND status=200")
    ledger_sql(workspace, "DELETE FROM urls WHERE town=? AND url=?", (TOWN, row["url"]))
    broken = run_archive(workspace, "verify", TOWN)
    assert broken.exit_code == 1
    assert row["url"] in broken.output and "发现 1 个问题" in broken.output


def test_cli_without_ledger_is_a_user_error(tmp_path):
    config = write_fast_config(tmp_path)
    result = run_archive(config, "verify")
    assert isinstance(result.exception, UserError) and "sitemigrate crawl" in result.exception.render()
    assert not config.ledger_path.exists()
