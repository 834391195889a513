"""Attachments and images copied out of the WARC archive into the new site, byte for byte."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

from warcio.exceptions import ArchiveLoadFailed

from migrate.archive import read_record
from migrate.build.targets import AssetFile
from migrate.errors import UserError
from migrate.newurls import path_to_file


def read_archived_body(workdir: Path, row: dict) -> bytes:
    """The archived payload of one ledger row."""
    try:
        return read_record(workdir, row["warc_file"], row["warc_offset"]).body
    except (OSError, ValueError, KeyError, TypeError, zlib.error, ArchiveLoadFailed) as exc:
        raise UserError(
            f"无法从归档中读出 {row.get('url')}（归档文件 {row.get('warc_file')}，偏移 {row.get('warc_offset')}）：{exc}",
            path=Path(workdir) / str(row.get("warc_file") or ""),
            hint=f"归档文件可能被移动或损坏。请运行 `sitemigrate crawl {row.get('town') or '<乡镇>'}` 重新抓取该乡镇后再构建。",
        ) from exc


def _same_file(dest: Path, row: dict) -> bool:
    """True when `dest` already holds the payload the ledger describes (saves a WARC read)."""
    if not dest.is_file() or not row.get("sha256"):
        return False
    if row.get("length") is not None and dest.stat().st_size != row["length"]:
        return False
    return hashlib.sha256(dest.read_bytes()).hexdigest() == row["sha256"]


def _write_if_changed(dest: Path, data: bytes):
    if dest.is_file() and dest.stat().st_size == len(data) and dest.read_bytes() == data:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)


def copy_asset(site_dir: Path, workdir: Path, asset: AssetFile) -> Path:
    dest = Path(site_dir) / path_to_file(asset.path)
    if not _same_file(dest, asset.row):
        _write_if_changed(dest, read_archived_body(workdir, asset.row))
    return dest


def copy_assets(site_dir: Path, workdir: Path, assets: dict[str, AssetFile], progress=None) -> set[Path]:
    """Copy every planned asset; returns the files written or already up to date."""
    written = set()
    total = len(assets)
    for done, old_url in enumerate(sorted(assets), 1):
        written.add(copy_asset(site_dir, workdir, assets[old_url]))
        if progress:
            progress(done, total, "复制附件和图片")
    return written
