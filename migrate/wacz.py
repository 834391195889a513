"""Packaging a township's archive as one WACZ 1.1.1 file (`work/archive/<town>.wacz`).

WACZ is a zip holding the WARC files (`archive/`, stored uncompressed so replay tools can read a
record by range), a CDXJ index (`indexes/index.cdx.gz` in gzip blocks with its block index
`indexes/index.idx`, the layout ReplayWeb.page reads lazily and pywb unpacks), the list of pages
(`pages/pages.jsonl`), `datapackage.json` (every file with its sha256 and size) and
`datapackage-digest.json`. The county hands this one file to the archive office; it opens in
ReplayWeb.page or pywb without sitemigrate.

The CDXJ lines come from webrecorder's `cdxj-indexer` (SURT keys as replay tools compute them,
POST bodies folded into the key). Packaging an unchanged archive again gives the same bytes: the
package's dates are those of the archive's newest record, not of the packaging.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cdxj_indexer import CDXJIndexer
from cdxj_indexer.main import CompressedWriter

from migrate import __version__
from migrate.archive import OPEN_SUFFIX
from migrate.archive_verify import CHUNK, ManifestCheck, current_warc_files, reconcile_manifest
from migrate.config import Config, Township
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.urls import canonical_url

WACZ_VERSION = "1.1.1"
PAGES_FORMAT = "json-pages-1.0"
INDEX_NAME = "index.cdx.gz"
BLOCK_LINES = 300        # CDXJ lines per gzip block of the index (as replay tools expect)
FILE_MODE = 0o644 << 16


@dataclass
class IndexEntry:
    """One CDXJ line, with the fields the page list and the package dates need."""
    line: str
    url: str
    timestamp: str          # 14 digits, UTC
    filename: str
    offset: int


def wacz_path(config: Config, town: Township) -> Path:
    return config.workdir / "archive" / f"{town.slug}.wacz"


def rfc3339(timestamp: str) -> str:
    """`20260101120000` → `2026-01-01T12:00:00Z`."""
    t = timestamp
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


# ---------------------------------------------------------------------- inputs

def sealed_warc_files(config: Config, town: Township) -> list[Path]:
    """The township's finished WARC files; an unfinished crawl cannot be packaged."""
    directory = config.archive_dir(town.slug)
    files = current_warc_files(directory)
    unfinished = [p.name for p in files if p.name.endswith(OPEN_SUFFIX)]
    if unfinished:
        raise UserError(f"{town.name}（{town.slug}）的归档尚未完成：{'、'.join(unfinished)} 仍在写入或抓取曾被中断。",
                        path=directory, hint="请等抓取结束，或运行 `sitemigrate crawl --resume "
                        f"{town.slug}` 续完后再打包。")
    if not files:
        raise UserError(f"{town.name}（{town.slug}）还没有归档文件。", path=directory,
                        hint=f"请先运行 `sitemigrate crawl {town.slug}`。")
    return files


def index_entries(files: list[Path], progress=None, label: str = "") -> list[IndexEntry]:
    """CDXJ lines of every response, revisit and resource record, sorted by SURT key and time."""
    entries = []
    for done, path in enumerate(files):
        if progress:
            progress(done, len(files), label)
        out = io.StringIO()
        CDXJIndexer(out, [str(path)], post_append=True).process_all()
        entries.extend(_entry(line) for line in out.getvalue().splitlines(keepends=True))
    entries.sort(key=lambda e: e.line)
    return entries


def _entry(line: str) -> IndexEntry:
    _, timestamp, data = line.split(" ", 2)
    fields = json.loads(data)
    return IndexEntry(line=line, url=fields["url"], timestamp=timestamp, filename=fields["filename"],
                      offset=int(fields["offset"]))


def index_files(entries: list[IndexEntry]) -> tuple[bytes, bytes]:
    """`index.cdx.gz` (gzip blocks of lines) and `index.idx` (first key and place of each block)."""
    data, idx = io.BytesIO(), io.StringIO()
    writer = CompressedWriter(idx, data, num_lines=BLOCK_LINES, data_out_name=INDEX_NAME, digest_records=True)
    for entry in entries:
        writer.write(entry.line)
    if writer.block:
        writer.flush()
    return data.getvalue(), idx.getvalue().encode("utf-8")


def record_titles(config: Config, town: Township) -> dict[str, str]:
    """Page titles from the extract stage's records, when it has run (canonical URL → title)."""
    path = config.records_path(town.slug)
    if not path.exists():
        return {}
    titles = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("url") and record.get("title"):
                titles[canonical_url(record["url"])] = record["title"]
    return titles


def page_list(config: Config, ledger: Ledger, town: Township, entries: list[IndexEntry]) -> list[dict]:
    """Every archived HTML page with status 200, in crawl order, as WACZ page objects."""
    at = {(e.filename, e.offset): e for e in entries}
    titles = record_titles(config, town)
    pages = []
    for row in ledger.rows(town.slug, "fetched", "status=200 AND kind='page' AND warc_file IS NOT NULL"):
        entry = at.get((Path(row["warc_file"]).name, row["warc_offset"]))
        if entry is None:
            continue
        page = {"id": hashlib.sha256(entry.url.encode("utf-8")).hexdigest()[:16], "url": entry.url,
                "ts": rfc3339(entry.timestamp)}
        if titles.get(row["url"]):
            page["title"] = titles[row["url"]]
        pages.append(page)
    pages.sort(key=lambda p: (p["ts"], p["url"]))
    return pages


def pages_jsonl(town: Township, pages: list[dict]) -> bytes:
    header = {"format": PAGES_FORMAT, "id": "pages", "title": f"{town.name}旧网站页面"}
    lines = [json.dumps(item, ensure_ascii=False) for item in [header, *pages]]
    return ("\n".join(lines) + "\n").encode("utf-8")


def main_page(town: Township, pages: list[dict]) -> dict | None:
    """The page of the township's first start URL, else the first page archived."""
    start = canonical_url(town.old_site.start_urls[0]) if town.old_site.start_urls else None
    return next((p for p in pages if canonical_url(p["url"]) == start), pages[0] if pages else None)


# ---------------------------------------------------------------------- the zip

class WaczWriter:
    """Writes entries into a zip with fixed dates and modes, noting each one's hash and size."""

    def __init__(self, path: Path, when: datetime):
        self.zip = zipfile.ZipFile(path, "w", allowZip64=True)
        self.date_time = when.timetuple()[:6]
        self.resources: list[dict] = []

    def _info(self, name: str, compress: int, size: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = compress
        info.create_system = 3          # the same bytes whichever system packs it
        info.external_attr = FILE_MODE
        info.file_size = size
        return info

    def _note(self, name: str, digest: str, size: int):
        self.resources.append({"name": Path(name).name, "path": name, "hash": f"sha256:{digest}", "bytes": size})

    def add_file(self, name: str, source: Path) -> str:
        """Copy `source` in uncompressed (replay tools read WARC records by range); its sha256."""
        size = source.stat().st_size
        digest = hashlib.sha256()
        with open(source, "rb") as src, self.zip.open(self._info(name, zipfile.ZIP_STORED, size), "w") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
        self._note(name, digest.hexdigest(), size)
        return digest.hexdigest()

    def add_bytes(self, name: str, data: bytes, compress: int = zipfile.ZIP_DEFLATED, listed: bool = True):
        self.zip.writestr(self._info(name, compress, len(data)), data, compresslevel=6 if compress else None)
        if listed:
            self._note(name, hashlib.sha256(data).hexdigest(), len(data))

    def close(self):
        self.zip.close()


def datapackage(config: Config, town: Township, created: str, resources: list[dict], home: dict | None) -> bytes:
    hosts = "、".join(town.old_site.hosts)
    package = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": f"{town.name}旧网站归档",
        "description": (f"{config.county.name}{town.name}旧政府网站（{hosts}）关停上移前的完整归档："
                        "页面、附件与图片的原始字节和响应头，可在 ReplayWeb.page 或 pywb 中回放。"),
        "created": created,
        "modified": created,
        "software": f"sitemigrate {__version__}",
        "resources": resources,
    }
    if home:
        package.update(mainPageUrl=home["url"], mainPageDate=home["ts"])
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def digest_json(data: bytes) -> bytes:
    return (json.dumps({"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(data).hexdigest()},
                       indent=2) + "\n").encode("utf-8")


def _refuse_changed_archive(town: Township, directory: Path, check: ManifestCheck):
    if check.changed or check.missing:
        names = "、".join(check.changed + check.missing)
        raise UserError(f"{town.name}（{town.slug}）的归档文件与 SHA256SUMS 不符（{names}），未打包：已封存的"
                        "归档文件只应追加，不应改动或删除。", path=directory / "SHA256SUMS",
                        hint=f"请运行 `sitemigrate archive verify {town.slug}` 查看详情，并用备份恢复这些文件。")


def package_town(config: Config, ledger: Ledger, town: Township | str, progress=None) -> Path:
    """Write `work/archive/<town>.wacz` from the township's current WARC files; returns its path.

    Records the files in `SHA256SUMS` if new there, and refuses (UserError) when a file it lists
    has changed."""
    town = config.township(town) if isinstance(town, str) else town
    files = sealed_warc_files(config, town)
    entries = index_entries(files, progress, f"建立索引 {town.name}")
    if not entries:
        raise UserError(f"{town.name}（{town.slug}）的归档文件里没有任何响应记录。",
                        path=config.archive_dir(town.slug), hint=f"请重新运行 `sitemigrate crawl {town.slug}`。")
    pages = page_list(config, ledger, town, entries)
    created = rfc3339(max(e.timestamp for e in entries))
    target = wacz_path(config, town)
    partial = target.with_name(target.name + ".part")
    writer = WaczWriter(partial, datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ"))
    try:
        hashes = {}
        for done, path in enumerate(files):
            if progress:
                progress(done, len(files), f"打包 {town.name}")
            hashes[path.name] = writer.add_file(f"archive/{path.name}", path)
        cdx, idx = index_files(entries)
        writer.add_bytes(f"indexes/{INDEX_NAME}", cdx, zipfile.ZIP_STORED)
        writer.add_bytes("indexes/index.idx", idx)
        writer.add_bytes("pages/pages.jsonl", pages_jsonl(town, pages))
        package = datapackage(config, town, created, writer.resources, main_page(town, pages))
        writer.add_bytes("datapackage.json", package, listed=False)
        writer.add_bytes("datapackage-digest.json", digest_json(package), listed=False)
        writer.close()
        _refuse_changed_archive(town, config.archive_dir(town.slug),
                                reconcile_manifest(config.archive_dir(town.slug), hashes))
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    if progress:
        progress(len(files), len(files), f"打包 {town.name}")
    os.replace(partial, target)
    return target
