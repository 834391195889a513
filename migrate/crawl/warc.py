"""Writing one township's crawl into gzip WARC files (warcio), append-only.

- A `response` record per response (any status) with the headers and bytes as received, and a
  `request` record for it (`WARC-Concurrent-To`); a `warcinfo` record opens every file.
- A 200 payload seen before is written as a `revisit` record (profile identical-payload-digest)
  naming the first record, also by file and offset (see `migrate.archive.REFERS_TO_FILE`).
- A 304 answer to a re-crawl's conditional request is a `revisit` record of profile
  server-not-modified naming the record it confirms: the earlier payload stays the one of record.
- Files rotate by size and are never rewritten. While a crawl runs its files end in `.open`;
  they get their final name only after the ledger has recorded everything in them, so a file
  still ending in `.open` tells a resumed crawl where unrecorded (or torn) records may be.
"""

from __future__ import annotations

import base64
import hashlib
import http
import os
import shutil
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from migrate.archive import OPEN_SUFFIX, REFERS_TO_FILE, REFERS_TO_OFFSET, complete_length, record_headers

ROTATE_BYTES = 1_000_000_000
WARC_VERSION = "1.1"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Twisted hands over de-chunked bodies; a record keeping `Transfer-Encoding: chunked` would
# describe bytes it does not hold, so the header is kept under the replay tools' prefix.
RENAMED_RESPONSE_HEADERS = {b"transfer-encoding"}
ORIG_PREFIX = b"X-Archive-Orig-"
# Never archive credentials the crawler itself added.
PRIVATE_REQUEST_HEADERS = {b"proxy-authorization", b"authorization"}


@dataclass
class HttpExchange:
    """One download as plain data: what was sent and what came back."""
    url: str
    method: str
    request_headers: list[tuple[bytes, bytes]]
    request_body: bytes
    status: int
    response_headers: list[tuple[bytes, bytes]]
    body: bytes
    protocol: str = "HTTP/1.1"
    ip_address: str | None = None


@dataclass
class StoredRecord:
    """Where a response went, in ledger terms."""
    warc_file: str
    warc_offset: int
    payload_digest: str
    sha256: str
    length: int
    revisit_of: str | None = None


@dataclass
class Original:
    """The first record of a payload, which later identical payloads point at."""
    url: str
    warc_file: str
    warc_offset: int
    record_id: str | None = None
    date: str | None = None


class RawHttpHeaders(StatusAndHeaders):
    """HTTP headers serialised from the received bytes.

    warcio re-encodes header values and %-encodes non-ASCII ones, which would turn a GBK file
    name in Content-Disposition into different bytes; this keeps the original bytes.
    """

    def __init__(self, first_line: bytes, statusline: str, headers: list[tuple[bytes, bytes]],
                 protocol: str, is_request: bool = False):
        decoded = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers]
        super().__init__(statusline, decoded, protocol=protocol, is_http_request=is_request)
        lines = [first_line] + [n + b": " + v for n, v in headers]
        self.raw = b"\r\n".join(lines) + b"\r\n\r\n"

    def compute_headers_buffer(self, header_filter=None):
        self.headers_buff = self.raw


class GzipMembers:
    """What warcio writes a record to: each record (warcio flushes after every one) becomes one
    gzip member of the file, as a gzip WARC must be.

    Compressed at zlib's default level; a record whose payload does not compress (images,
    PDFs, archives: most of an archive's bytes) is stored in the member as it is, since
    deflating it again would cost more CPU than all else the crawl does with it."""

    LEVEL = 6
    SAMPLE = 4096

    def __init__(self, fh):
        self.fh = fh
        self.parts: list[bytes] = []

    def write(self, data: bytes):
        self.parts.append(data)

    def flush(self):
        record, self.parts = b"".join(self.parts), []
        self.fh.write(zlib.compress(record, self.level_for(record), wbits=31))
        self.fh.flush()

    @classmethod
    def level_for(cls, record: bytes) -> int:
        if len(record) < 4 * cls.SAMPLE:
            return cls.LEVEL
        middle = len(record) // 2
        sample = record[middle:middle + cls.SAMPLE]
        return cls.LEVEL if len(zlib.compress(sample, 1)) < 0.9 * len(sample) else 0


def payload_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _now() -> str:
    return datetime_to_iso_date(datetime.now(timezone.utc).replace(tzinfo=None), use_micros=True)


def _response_headers(exchange: HttpExchange) -> RawHttpHeaders:
    headers = [(ORIG_PREFIX + name if name.lower() in RENAMED_RESPONSE_HEADERS else name, value)
               for name, value in exchange.response_headers]
    try:
        reason = http.HTTPStatus(exchange.status).phrase
    except ValueError:
        reason = ""
    statusline = f"{exchange.status} {reason}".strip()
    first = f"{exchange.protocol} {statusline}".encode("latin-1")
    return RawHttpHeaders(first, statusline, headers, exchange.protocol)


def _request_headers(exchange: HttpExchange) -> RawHttpHeaders:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [(b"Host", parts.netloc.encode("idna") if not parts.netloc.isascii() else parts.netloc.encode())]
    headers += [(n, v) for n, v in exchange.request_headers
                if n.lower() not in PRIVATE_REQUEST_HEADERS and n.lower() != b"host"]
    if exchange.request_body and not any(n.lower() == b"content-length" for n, _ in headers):
        headers.append((b"Content-Length", str(len(exchange.request_body)).encode()))
    statusline = f"{exchange.method} {target}"
    first = f"{statusline} {exchange.protocol}".encode("latin-1", "replace")
    return RawHttpHeaders(first, statusline, headers, exchange.protocol, is_request=True)


class WarcArchive:
    """The WARC files of one crawl run of one township."""

    def __init__(self, directory: Path, workdir: Path, prefix: str,
                 rotate_bytes: int = ROTATE_BYTES, info: dict | None = None):
        self.directory = Path(directory)
        self.workdir = Path(workdir)
        self.prefix = prefix
        self.rotate_bytes = rotate_bytes
        self.info = info or {}
        self.stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S%f")[:17]
        self.serial = 0
        self.fh = None
        self.writer: WARCWriter | None = None
        self.current: Path | None = None
        self.unsealed: list[Path] = []
        self.originals: dict[str, Original] = {}

    # ------------------------------------------------------------------ files

    def final_name(self, path: Path) -> Path:
        return path.with_name(path.name.removesuffix(OPEN_SUFFIX))

    def relative(self, path: Path) -> str:
        """Ledger form of a file: the final name, relative to the workdir."""
        return os.path.relpath(self.final_name(path), self.workdir).replace(os.sep, "/")

    def _open_next(self):
        self._close_current()
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            name = f"{self.prefix}-{self.stamp}-{self.serial:05d}.warc.gz"
            self.serial += 1
            final = self.directory / name
            path = final.with_name(name + OPEN_SUFFIX)
            if final.exists():
                continue
            try:
                self.fh = open(path, "xb")
            except FileExistsError:
                continue
            break
        self.current = path
        self.unsealed.append(path)
        self.writer = WARCWriter(GzipMembers(self.fh), gzip=False, warc_version=WARC_VERSION)
        self.writer.write_record(self.writer.create_warcinfo_record(final.name, self.info))
        self.fh.flush()

    def _file_for_next_record(self):
        if self.fh is None or self.fh.tell() >= self.rotate_bytes:
            self._open_next()

    def _close_current(self):
        if self.fh is not None:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
            self.fh = None
            self.writer = None

    def close(self):
        """Close the current file and give every file of this run its final name.

        Call only once the ledger holds every record written (see module docstring)."""
        self._close_current()
        for path in self.unsealed:
            if path.exists():
                os.replace(path, self.final_name(path))
        self.unsealed = []

    def _not_modified_record(self, exchange: HttpExchange, original: Original, digest: str | None, extra: dict):
        """A revisit record (server-not-modified) for a 304, pointing at the record it confirms."""
        extra.update({"WARC-Profile": NOT_MODIFIED_PROFILE, "WARC-Refers-To-Target-URI": original.url,
                      REFERS_TO_FILE: original.warc_file, REFERS_TO_OFFSET: str(original.warc_offset)})
        if original.date:
            extra["WARC-Refers-To-Date"] = original.date
        if original.record_id:
            extra["WARC-Refers-To"] = original.record_id
        if digest:
            extra["WARC-Payload-Digest"] = digest
        return self.writer.create_warc_record(exchange.url, "revisit", http_headers=_response_headers(exchange),
                                              warc_headers_dict=extra)

    # ------------------------------------------------------------------ dedup

    def remember(self, digest: str, original: Original):
        """Register an earlier record (e.g. from an interrupted run) as a payload's original."""
        self.originals.setdefault(digest, original)

    def _original_ids(self, original: Original) -> Original:
        """Fill in record id and date of an original known only by location (resumed runs)."""
        if original.record_id is None:
            fields = record_headers(self.workdir, original.warc_file, original.warc_offset)
            original.record_id = fields.get("WARC-Record-ID")
            original.date = fields.get("WARC-Date")
        return original

    @staticmethod
    def dedupable(exchange: HttpExchange) -> bool:
        # Only 200 payloads: an identical 404 body says nothing about two URLs being the same
        # content, and the ledger's `revisit_of` is read as "same content as".
        return exchange.status == 200 and len(exchange.body) > 0

    # ------------------------------------------------------------------ writing

    def write(self, exchange: HttpExchange, not_modified_of: Original | None = None,
              original_digest: str | None = None) -> StoredRecord:
        """Write the response (or revisit) and request records of one download. A 304 answer
        names the earlier record it confirms (`not_modified_of`, whose payload digest is
        `original_digest`)."""
        body = exchange.body
        digest = payload_digest(body)
        sha256 = hashlib.sha256(body).hexdigest()
        self._file_for_next_record()
        writer, date = self.writer, _now()
        original = self.originals.get(digest) if self.dedupable(exchange) else None
        extra = {"WARC-Date": date}
        if exchange.ip_address:
            extra["WARC-IP-Address"] = exchange.ip_address
        if exchange.status == 304 and not_modified_of is not None:
            response = self._not_modified_record(exchange, self._original_ids(not_modified_of), original_digest, extra)
        elif original is not None:
            original = self._original_ids(original)
            extra.update({REFERS_TO_FILE: original.warc_file, REFERS_TO_OFFSET: str(original.warc_offset)})
            if original.record_id:
                extra["WARC-Refers-To"] = original.record_id
            response = writer.create_revisit_record(
                exchange.url, digest, original.url, original.date or date,
                http_headers=_response_headers(exchange), warc_headers_dict=extra)
        else:
            extra["WARC-Payload-Digest"] = digest
            response = writer.create_warc_record(
                exchange.url, "response", payload=BytesIO(body), length=len(body),
                http_headers=_response_headers(exchange), warc_headers_dict=extra)
        request = writer.create_warc_record(
            exchange.url, "request", payload=BytesIO(exchange.request_body),
            length=len(exchange.request_body), http_headers=_request_headers(exchange),
            warc_headers_dict={"WARC-Date": date})
        offset = self.fh.tell()
        writer.write_request_response_pair(request, response)
        self.fh.flush()
        rel = self.relative(self.current)
        if original is None and self.dedupable(exchange):
            self.originals[digest] = Original(exchange.url, rel, offset,
                                              response.rec_headers.get_header("WARC-Record-ID"), date)
        return StoredRecord(rel, offset, digest, sha256, len(body),
                            revisit_of=original.url if original is not None else None)


# ---------------------------------------------------------------------- housekeeping

def unsealed_files(directory: Path) -> list[Path]:
    return sorted(Path(directory).glob(f"*.warc.gz{OPEN_SUFFIX}"))


def seal_unfinished(directory: Path) -> list[tuple[Path, list]]:
    """Repair the files a killed crawl left open: cut a torn last record, give the final name.

    Returns (final path, records) for each, so a resumed crawl can adopt records the ledger
    never heard of. Only a torn tail is cut; complete records are never touched.
    """
    sealed = []
    for path in unsealed_files(directory):
        good_end, entries = complete_length(path)
        if good_end == 0:           # killed before even the warcinfo record was whole
            path.unlink()
            continue
        if good_end < path.stat().st_size:
            with open(path, "r+b") as fh:
                fh.truncate(good_end)
        final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
        os.replace(path, final)
        sealed.append((final, entries))
    return sealed


def supersede(directory: Path) -> Path | None:
    """Move a township's earlier WARC files aside before a crawl from scratch.

    They are kept (moved, not rewritten) under `superseded/<time>/`, so the live folder holds
    exactly the files the ledger refers to."""
    directory = Path(directory)
    old = sorted(directory.glob("*.warc.gz")) + unsealed_files(directory)
    if not old:
        return None
    target = directory / "superseded" / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    target.mkdir(parents=True)
    for path in old:
        shutil.move(str(path), target / path.name)
    return target
