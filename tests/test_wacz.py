"""WACZ packaging of a crawled sample township: layout, hashes, index, pages, determinism, and a
real replay of an archived article through pywb.

pywb pins `redis==2.10.6`, which cannot live beside scrapy-redis (redis>=4.2) in the project's
environment, so it is installed in a virtualenv of its own and found through `SITEMIGRATE_PYWB`
(that virtualenv's folder, or its `bin`) or on PATH; the replay test is skipped without it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from migrate.archive import read_record
from migrate.archive_verify import MANIFEST_NAME, read_manifest
from migrate.config import Config
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.samples import truth
from migrate.wacz import package_town
# `crawled` (one crawl per module) and `workspace` (a copy per test) are fixtures.
from test_archive_verify import TOWN, copy_workspace, crawled, run_archive, warc_file, workspace  # noqa: F401

ARTICLE = next(a for a in truth.ARTICLES if a["town"] == TOWN)


def package(config: Config) -> Path:
    with Ledger(config.ledger_path) as ledger:
        return package_town(config, ledger, TOWN)


@pytest.fixture(scope="module")
def packaged(crawled, tmp_path_factory) -> tuple[Config, Path]:
    config = copy_workspace(crawled, tmp_path_factory.mktemp("packaged") / "ws")
    return config, package(config)


def cdxj_lines(wacz: zipfile.ZipFile) -> list[str]:
    return gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode("utf-8").splitlines()


def parse_line(line: str) -> tuple[str, str, dict]:
    key, timestamp, data = line.split(" ", 2)
    return key, timestamp, json.loads(data)


# ---------------------------------------------------------------------- layout and manifest

def test_layout_and_compression(packaged):
    config, path = packaged
    assert path == config.workdir / "archive" / f"{TOWN}.wacz"
    with zipfile.ZipFile(path) as wacz:
        infos = {i.filename: i for i in wacz.infolist()}
        assert wacz.testzip() is None
    warc = warc_file(config)
    assert set(infos) == {f"archive/{warc.name}", "indexes/index.cdx.gz", "indexes/index.idx",
                          "pages/pages.jsonl", "datapackage.json", "datapackage-digest.json"}
    # already-compressed files are stored as they are, so replay tools can read them by range
    assert infos[f"archive/{warc.name}"].compress_type == zipfile.ZIP_STORED
    assert infos["indexes/index.cdx.gz"].compress_type == zipfile.ZIP_STORED
    assert infos["pages/pages.jsonl"].compress_type == zipfile.ZIP_DEFLATED


def test_datapackage_hashes_every_resource(packaged):
    config, path = packaged
    with zipfile.ZipFile(path) as wacz:
        package = json.loads(wacz.read("datapackage.json"))
        assert package["profile"] == "data-package" and package["wacz_version"] == "1.1.1"
        assert package["software"].startswith("sitemigrate") and "桃源镇" in package["title"]
        assert package["created"].endswith("Z") and package["mainPageUrl"] == "http://www.taoyuan.yunxi.gov.cn/"
        listed = {r["path"] for r in package["resources"]}
        assert listed == set(wacz.namelist()) - {"datapackage.json", "datapackage-digest.json"}
        for resource in package["resources"]:
            data = wacz.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), resource["path"]
            assert resource["bytes"] == len(data)
        digest = json.loads(wacz.read("datapackage-digest.json"))
        assert digest == {"path": "datapackage.json",
                          "hash": "sha256:" + hashlib.sha256(wacz.read("datapackage.json")).hexdigest()}
    warc = warc_file(config)
    assert read_manifest(warc.parent) == {warc.name: hashlib.sha256(warc.read_bytes()).hexdigest()}


# ---------------------------------------------------------------------- index

def test_cdxj_is_sorted_and_its_offsets_read_back(packaged):
    config, path = packaged
    with zipfile.ZipFile(path) as wacz:
        lines = cdxj_lines(wacz)
        warcs = {Path(n).name: wacz.read(n) for n in wacz.namelist() if n.startswith("archive/")}
    assert lines == sorted(lines)
    with Ledger(config.ledger_path) as ledger:
        archived = ledger.archived(TOWN)
    assert len(lines) == len(archived)          # one line per response or revisit, no requests
    revisits = 0
    for line in lines:
        key, timestamp, fields = parse_line(line)
        assert len(timestamp) == 14 and key.startswith("cn,gov,yunxi,taoyuan)/")
        start, length = int(fields["offset"]), int(fields["length"])
        record = next(iter(ArchiveIterator(io.BytesIO(warcs[fields["filename"]][start:start + length]))))
        assert record.rec_headers.get_header("WARC-Target-URI") == fields["url"]
        assert record.rec_headers.get_header("WARC-Payload-Digest") == fields["digest"]
        expected_mime = "warc/revisit" if record.rec_type == "revisit" else fields["mime"]
        assert record.rec_type in ("response", "revisit") and fields["mime"] == expected_mime
        revisits += record.rec_type == "revisit"
    assert revisits == sum(1 for r in archived if r["revisit_of"])


def test_block_index_points_at_each_gzip_block(packaged):
    _, path = packaged
    with zipfile.ZipFile(path) as wacz:
        blocks = wacz.read("indexes/index.cdx.gz")
        idx = wacz.read("indexes/index.idx").decode("utf-8").splitlines()
    assert json.loads(idx[0].split(" ", 2)[2])["filename"] == "index.cdx.gz"
    for line in idx[1:]:
        prefix, data = line.split(" {", 1)
        place = json.loads("{" + data)
        block = blocks[place["offset"]:place["offset"] + place["length"]]
        assert place["digest"] == "sha256:" + hashlib.sha256(block).hexdigest()
        assert gzip.decompress(block).decode("utf-8").startswith(prefix + " ")


# ---------------------------------------------------------------------- pages

def test_pages_list_every_html_page_with_titles_from_records(workspace):
    with Ledger(workspace.ledger_path) as ledger:
        page_urls = {r["url"] for r in ledger.rows(TOWN, "fetched", "status=200 AND kind='page'")}
    records = workspace.records_path(TOWN)
    records.parent.mkdir(parents=True, exist_ok=True)
    records.write_text(json.dumps({"url": ARTICLE["url"], "title": ARTICLE["title"]}, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    with zipfile.ZipFile(package(workspace)) as wacz:
        header, *pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode("utf-8").splitlines()]
    assert header["format"] == "json-pages-1.0"
    assert {p["url"] for p in pages} == page_urls       # sample URLs are already canonical
    assert all(p["ts"].endswith("Z") and p["id"] for p in pages)
    titled = [p for p in pages if "title" in p]
    assert [(p["url"], p["title"]) for p in titled] == [(ARTICLE["url"], ARTICLE["title"])]


# ---------------------------------------------------------------------- determinism and refusals

def test_packaging_twice_gives_the_same_bytes(packaged):
    config, path = packaged
    first = path.read_bytes()
    assert package(config).read_bytes() == first


def test_unfinished_crawl_is_not_packaged(workspace):
    path = warc_file(workspace)
    path.rename(path.with_name(path.name + ".open"))
    with pytest.raises(UserError, match="crawl --resume"):
        package(workspace)
    assert not (workspace.workdir / "archive" / f"{TOWN}.wacz").exists()


def test_changed_archive_is_not_packaged(workspace):
    package(workspace)
    wacz = workspace.workdir / "archive" / f"{TOWN}.wacz"
    before = wacz.read_bytes()
    path = warc_file(workspace)
    with open(path, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(UserError, match=MANIFEST_NAME):
        package(workspace)
    assert wacz.read_bytes() == before          # the earlier package is left as it was
    assert not list(wacz.parent.glob("*.part"))


def test_cli_packages_the_named_township(workspace):
    result = run_archive(workspace, "package", TOWN)
    assert result.exit_code == 0, result.output
    path = workspace.workdir / "archive" / f"{TOWN}.wacz"
    assert str(path) in result.output and zipfile.is_zipfile(path)


# ---------------------------------------------------------------------- replay through pywb

def pywb_tool(name: str) -> str | None:
    home = os.environ.get("SITEMIGRATE_PYWB")
    if home:
        for folder in (Path(home) / "bin", Path(home) / "Scripts", Path(home)):
            found = shutil.which(name, path=str(folder))
            if found:
                return found
    return shutil.which(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, bytes]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=30) as response:
        return response.status, response.read()


def wait_for(port: int, process: subprocess.Popen, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"wayback exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("wayback did not start listening")


@pytest.fixture(scope="module")
def wayback(packaged, tmp_path_factory):
    """pywb serving the packaged WACZ (unpacked with its own index) on a free local port."""
    manager, server = pywb_tool("wb-manager"), pywb_tool("wayback")
    if not (manager and server):
        pytest.skip("pywb is not installed: install it in its own virtualenv (it pins redis==2.10.6) "
                    "and set SITEMIGRATE_PYWB to that virtualenv")
    _, path = packaged
    root = tmp_path_factory.mktemp("pywb")
    subprocess.run([manager, "init", "archive"], cwd=root, check=True, capture_output=True)
    subprocess.run([manager, "add", "--unpack-wacz", "archive", str(path)], cwd=root, check=True, capture_output=True)
    port = free_port()
    with open(root / "wayback.log", "wb") as log:
        process = subprocess.Popen([server, "-p", str(port), "-b", "127.0.0.1"], cwd=root, stdout=log, stderr=log)
    try:
        wait_for(port, process)
        yield f"http://127.0.0.1:{port}/archive"
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_pywb_replays_an_archived_gbk_article(packaged, wayback):
    config, _ = packaged
    status, body = fetch(f"{wayback}/2030id_/{ARTICLE['url']}")
    assert status == 200
    assert ARTICLE["title"] in body.decode("gb18030")
    with Ledger(config.ledger_path) as ledger:
        row = ledger.get(TOWN, ARTICLE["url"])
    assert body == read_record(config.workdir, row["warc_file"], row["warc_offset"]).body


def test_pywb_replays_a_revisit_with_its_originals_payload(packaged, wayback):
    config, _ = packaged
    with Ledger(config.ledger_path) as ledger:
        row = ledger.rows(TOWN, "fetched", "revisit_of IS NOT NULL AND kind='page'")[0]
    _, copy = fetch(f"{wayback}/2030id_/{row['url']}")
    _, original = fetch(f"{wayback}/2030id_/{row['revisit_of']}")
    assert copy == original and len(copy) > 0
