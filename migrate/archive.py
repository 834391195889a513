"""Reading the crawl archive: one response out of a WARC file, and every record of a file.

The crawl writes gzip WARC files under `work/archive/<town>/` and notes in the ledger where each
URL's response record starts (`warc_file` relative to the workdir, `warc_offset`). Identical
payloads are stored once; later copies are `revisit` records that name the first one, and
`read_record` follows them so callers always get the body.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator

# Extension fields on our revisit records: where the original payload is, so a reader needs no
# index to follow them (WARC-Refers-To alone would mean scanning the archive).
REFERS_TO_FILE = "Sitemigrate-Refers-To-File"
REFERS_TO_OFFSET = "Sitemigrate-Refers-To-Offset"
# A file still being written (or left behind by a killed crawl) carries this suffix.
OPEN_SUFFIX = ".open"


@dataclass
class ArchivedResponse:
    url: str
    status: int
    headers: list[tuple[str, str]]
    content_type: str | None
    body: bytes
    record_type: str = "response"
    date: str | None = None
    payload_digest: str | None = None
    refers_to_url: str | None = None      # for a revisit: the URL whose payload it repeats


@dataclass
class RecordEntry:
    """One record of a WARC file, as listed by `iter_records`."""
    offset: int
    length: int
    rec_type: str
    url: str | None
    record_id: str | None
    date: str | None
    status: int | None = None
    content_type: str | None = None
    payload_digest: str | None = None
    refers_to: dict = field(default_factory=dict)
    digest_ok: bool | None = None
    body: bytes | None = None


def media_type(value: str | None) -> str | None:
    """`text/html; charset=gbk` → `text/html`."""
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def warc_path(workdir: str | Path, warc_file: str) -> Path:
    """The file a ledger row names; a crawl that was killed may have left it with `.open`."""
    path = Path(workdir) / warc_file
    if not path.exists():
        unfinished = path.with_name(path.name + OPEN_SUFFIX)
        if unfinished.exists():
            return unfinished
    return path


def _status_of(record) -> int | None:
    if record.http_headers is None:
        return None
    code = record.http_headers.get_statuscode()
    return int(code) if code and code.isdigit() else None


def _load(path: Path, offset: int, raw: bool = False):
    """The record at `offset` with its payload read (the file is closed afterwards): decoded
    (Content-Encoding undone), or with `raw` as the server sent it."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)), None)
        if record is None:
            raise ValueError(f"{path} 在偏移 {offset} 处没有 WARC 记录")
        body = (record.raw_stream if raw else record.content_stream()).read()
    return record, body


def read_stored_payload(workdir: str | Path, warc_file: str, offset: int) -> bytes:
    """The payload at (`warc_file`, `offset`) exactly as the server sent it (a body it
    compressed stays compressed; a revisit gives its original's): what the ledger's `sha256`
    and `length` describe."""
    workdir = Path(workdir)
    path = warc_path(workdir, warc_file)
    record, body = _load(path, offset, raw=True)
    target_file = record.rec_headers.get_header(REFERS_TO_FILE)
    target_offset = record.rec_headers.get_header(REFERS_TO_OFFSET)
    if record.rec_type == "revisit" and target_file and target_offset and target_offset.isdigit():
        _, body = _load(warc_path(workdir, target_file), int(target_offset), raw=True)
    return body


def record_headers(workdir: str | Path, warc_file: str, offset: int) -> dict[str, str]:
    """The WARC header fields of one record (no payload read)."""
    with open(warc_path(workdir, warc_file), "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        return dict(record.rec_headers.headers)


def read_http_headers(workdir: str | Path, warc_file: str, offset: int) -> list[tuple[str, str]]:
    """The HTTP response headers archived at (`warc_file`, `offset`), without reading the payload
    (a re-crawl takes ETag and Last-Modified from here)."""
    with open(warc_path(workdir, warc_file), "rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)), None)
        if record is None or record.http_headers is None:
            return []
        return list(record.http_headers.headers)


def _original_body(workdir: Path, path: Path, record) -> bytes:
    """Payload of the record a revisit repeats: named by our extension fields, else found by
    scanning the town's archive for the response with the same payload digest."""
    target_file = record.rec_headers.get_header(REFERS_TO_FILE)
    target_offset = record.rec_headers.get_header(REFERS_TO_OFFSET)
    if target_file and target_offset and target_offset.isdigit():
        _, body = _load(warc_path(workdir, target_file), int(target_offset))
        return body
    digest = record.rec_headers.get_header("WARC-Payload-Digest")
    for candidate in sorted(path.parent.glob("*.warc.gz*")):
        for entry in iter_records(candidate, bodies=True):
            if entry.rec_type == "response" and entry.payload_digest == digest:
                return entry.body or b""
    raise ValueError(f"找不到 revisit 记录所指的原始内容（{digest}）")


def read_record(workdir: str | Path, warc_file: str, offset: int) -> ArchivedResponse:
    """The archived response at (`warc_file`, `offset`); a revisit gets its original's body."""
    workdir = Path(workdir)
    path = warc_path(workdir, warc_file)
    record, body = _load(path, offset)
    if record.rec_type not in ("response", "revisit"):
        raise ValueError(f"{path} 在偏移 {offset} 处是 {record.rec_type} 记录，不是响应")
    if record.rec_type == "revisit":
        body = _original_body(workdir, path, record)
    http = record.http_headers
    headers = list(http.headers) if http else []
    return ArchivedResponse(
        url=record.rec_headers.get_header("WARC-Target-URI"),
        status=_status_of(record) or 0,
        headers=headers,
        content_type=media_type(http.get_header("Content-Type") if http else None),
        body=body,
        record_type=record.rec_type,
        date=record.rec_headers.get_header("WARC-Date"),
        payload_digest=record.rec_headers.get_header("WARC-Payload-Digest"),
        refers_to_url=record.rec_headers.get_header("WARC-Refers-To-Target-URI"),
    )


def iter_records(path: str | Path, bodies: bool = False) -> Iterator[RecordEntry]:
    """Every record of one WARC file in order, with offsets and digest verdicts.

    Raises (warcio, zlib or OS errors) at a damaged record.
    """
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh, check_digests=True)
        for record in iterator:
            # Read the body before asking for the offset: warcio skips an unread body when the
            # offset is asked for, and the body would come back empty.
            content = record.content_stream().read() if bodies else None
            offset = iterator.get_record_offset()
            if content is None:
                iterator.read_to_end(record)
            length = iterator.get_record_length()
            headers = record.rec_headers
            http = record.http_headers
            checker = getattr(record, "digest_checker", None)
            yield RecordEntry(
                offset=offset, length=length, rec_type=record.rec_type,
                url=headers.get_header("WARC-Target-URI"),
                record_id=headers.get_header("WARC-Record-ID"),
                date=headers.get_header("WARC-Date"),
                status=_status_of(record),
                content_type=media_type(http.get_header("Content-Type") if http else None),
                payload_digest=headers.get_header("WARC-Payload-Digest"),
                refers_to={k: v for k, v in headers.headers if k.startswith(("WARC-Refers-To", "Sitemigrate-Refers-To"))},
                digest_ok=None if checker is None else bool(checker.passed is not False),
                body=content,
            )


def _gzip_member_complete(fh, offset: int, length: int) -> bool:
    """True when the gzip member at `offset` ends with its trailer (CRC checked) exactly at
    `offset + length`: we write one member per record, so this means the record is whole."""
    fh.seek(offset)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    remaining = length
    while remaining > 0:
        chunk = fh.read(min(remaining, 1 << 20))
        if not chunk:
            return False
        remaining -= len(chunk)
        inflater.decompress(chunk)
    return inflater.eof and not inflater.unused_data


def complete_length(path: str | Path) -> tuple[int, list[RecordEntry]]:
    """Bytes at the start of `path` holding whole, digest-checked records, and those records.

    A crawl killed while writing leaves a torn last record; everything before it is sound.
    """
    good_end, entries = 0, []
    try:
        with open(path, "rb") as fh:
            for entry in iter_records(path):
                if entry.digest_ok is False or not _gzip_member_complete(fh, entry.offset, entry.length):
                    break
                entries.append(entry)
                good_end = entry.offset + entry.length
    except Exception:  # noqa: BLE001 - warcio/zlib raise many kinds at a torn record; all end the sound part
        pass
    return good_end, entries
