"""Writing one township's crawl into gzip WARC 1.1 files, append-only.

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
import functools
import hashlib
import http
import os
import shutil
import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit


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
class ResponseBlock:
    """A response record's block and what is computed over its bytes: the HTTP head as it will
    be written, the payload's WARC digest and sha256, and the digest of head + payload. Made by
    `response_block`: the asyncio engine makes it in its own process and hands it to the sidecar
    with the exchange, since the sidecar is the busier of the two and hashing is a tenth of
    its work."""
    head: bytes
    payload_digest: str
    sha256: str
    block_digest: str


def response_block(exchange: HttpExchange) -> ResponseBlock:
    head, body = _response_head(exchange), exchange.body
    return ResponseBlock(head, payload_digest(body), hashlib.sha256(body).hexdigest(), block_digest(head, body))


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


# ---------------------------------------------------------------------- record bytes
#
# Records are serialised here rather than by warcio's RecordBuilder: its generic header
# objects, stream copies and per-record digest passes cost more than everything else the crawl
# does with a page. warcio still reads the files (`migrate.archive`) and checks them in tests.

WARC_LINE = f"WARC/{WARC_VERSION}\r\n".encode()
RECORD_END = b"\r\n\r\n"
HTTP_RESPONSE_TYPE = "application/http; msgtype=response"
HTTP_REQUEST_TYPE = "application/http; msgtype=request"
WARC_FIELDS_TYPE = "application/warc-fields"
IDENTICAL_PAYLOAD_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def block_digest(*parts: bytes) -> str:
    digester = hashlib.sha1()
    for part in parts:
        digester.update(part)
    return "sha1:" + base64.b32encode(digester.digest()).decode("ascii")


def record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def record_parts(fields: list[tuple[str, str]], content_type: str, block: list[bytes],
                 digest: str | None = None) -> list[bytes]:
    """One WARC record, as the byte strings to write in order: `fields` (WARC-Type first), then
    the block's digest (`digest`, if computed over exactly these bytes already), type and
    length, the block and the closing blank lines. Parts, not one string: a body is never
    copied."""
    length = sum(len(part) for part in block)
    lines = [f"{name}: {value}\r\n" for name, value in fields]
    lines.append(f"WARC-Block-Digest: {digest or block_digest(*block)}\r\n"
                 f"Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n")
    return [WARC_LINE + "".join(lines).encode("utf-8"), *block, RECORD_END]


def http_head(first_line: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """An HTTP message head from the received bytes. Header values stay the bytes they were (a
    GBK file name in Content-Disposition must not be re-encoded)."""
    return b"".join([first_line, b"\r\n", *(name + b": " + value + b"\r\n" for name, value in headers), b"\r\n"])


# ---------------------------------------------------------------------- gzip members
#
# Every record is one gzip member of the file, as a gzip WARC must hold it. Deflated at level 3
# (pages come out within 3 % of zlib's default level 6, in three quarters of the time); a record
# whose payload does not compress (images, PDFs, archives: most of an archive's bytes) is stored
# in the member as it is (deflate "stored" blocks), since deflating it again would cost more CPU
# than all else the crawl does with it.

COMPRESSION_LEVEL = 3
COMPRESSION_SAMPLE = 4096
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"     # deflate, no name or time, Unix
STORED_BLOCK_MAX = 0xFFFF
LAST_STORED_BLOCK = b"\x01\x00\x00\xff\xff"                    # final, empty


def compresses(parts: list[bytes]) -> bool:
    """Whether deflating pays: a small record always; a large one if a sample from the middle
    of its largest part (the payload) shrinks by a tenth at the fastest level."""
    largest = max(parts, key=len)
    if sum(len(part) for part in parts) < 4 * COMPRESSION_SAMPLE or len(largest) < COMPRESSION_SAMPLE:
        return True
    middle = (len(largest) - COMPRESSION_SAMPLE) // 2
    sample = largest[middle:middle + COMPRESSION_SAMPLE]
    return len(zlib.compress(sample, 1)) < 0.9 * len(sample)


# Payloads that are compressed already, by their Content-Type: stored without trying.
COMPRESSED_TYPES = frozenset({
    b"image/jpeg", b"image/png", b"image/gif", b"image/webp", b"application/zip", b"application/gzip",
    b"application/x-gzip", b"application/x-rar-compressed", b"application/vnd.rar", b"application/x-7z-compressed",
    b"video/mp4", b"audio/mpeg",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation",
})


def payload_compressed(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the response's Content-Type names a compressed format (a JPEG, a zip, a .docx)."""
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.split(b";", 1)[0].strip().lower() in COMPRESSED_TYPES
    return False


def gzip_member(parts: list[bytes], deflate: bool | None = None) -> list[bytes]:
    """`parts` as one gzip member, itself in parts; deflated or stored as `deflate` says, or
    as a sample of the payload says (None)."""
    if deflate if deflate is not None else compresses(parts):
        deflater = zlib.compressobj(COMPRESSION_LEVEL, zlib.DEFLATED, 16 + window_bits(parts))
        return [deflater.compress(part) for part in parts] + [deflater.flush()]
    return stored_member(parts)


def window_bits(parts: list[bytes]) -> int:
    """The smallest deflate window holding the whole record (so no worse compression than
    the largest): setting up zlib's default 32 KiB window costs ten times the deflating of a
    request record."""
    return max(9, min(zlib.MAX_WBITS, sum(len(part) for part in parts).bit_length()))


def stored_member(parts: list[bytes]) -> list[bytes]:
    """A gzip member holding `parts` uncompressed, without copying them."""
    member, crc, size = [GZIP_HEADER], 0, 0
    for part in parts:
        crc = zlib.crc32(part, crc)
        size += len(part)
        view = memoryview(part)
        for start in range(0, len(part), STORED_BLOCK_MAX):
            chunk = view[start:start + STORED_BLOCK_MAX]
            member += [b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF), chunk]
    return member + [LAST_STORED_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF)]


def payload_digest(body: bytes) -> str:
    if not body:        # every GET request record's payload
        return EMPTY_PAYLOAD_DIGEST
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


EMPTY_PAYLOAD_DIGEST = "sha1:" + base64.b32encode(hashlib.sha1(b"").digest()).decode("ascii")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@functools.lru_cache(maxsize=64)
def _status_line(protocol: str, status: int) -> bytes:
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return f"{protocol} {status} {reason}".strip().encode("latin-1")


def _response_head(exchange: HttpExchange) -> bytes:
    headers = [(ORIG_PREFIX + name if name.lower() in RENAMED_RESPONSE_HEADERS else name, value)
               for name, value in exchange.response_headers]
    return http_head(_status_line(exchange.protocol, exchange.status), headers)


def _request_head(exchange: HttpExchange) -> bytes:
    parts = urlsplit(exchange.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [(b"Host", parts.netloc.encode("idna") if not parts.netloc.isascii() else parts.netloc.encode())]
    headers += [(n, v) for n, v in exchange.request_headers
                if n.lower() not in PRIVATE_REQUEST_HEADERS and n.lower() != b"host"]
    if exchange.request_body and not any(n.lower() == b"content-length" for n, _ in headers):
        headers.append((b"Content-Length", str(len(exchange.request_body)).encode()))
    first = f"{exchange.method} {target} {exchange.protocol}".encode("latin-1", "replace")
    return http_head(first, headers)


def warcinfo_record(filename: str, info: dict, date: str) -> list[bytes]:
    """The record opening every file: `info` as `name: value` lines (empty values left out)."""
    block = "".join(f"{name}: {value}\r\n" for name, value in info.items() if value).encode("utf-8")
    fields = [("WARC-Type", "warcinfo"), ("WARC-Record-ID", record_id()), ("WARC-Date", date),
              ("WARC-Filename", filename)]
    return record_parts(fields, WARC_FIELDS_TYPE, [block])


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
        self.size = 0                       # bytes written to the current file
        self.current: Path | None = None
        self.current_name: str | None = None    # ledger form of `current` (see `relative`)
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
        self.current_name = self.relative(path)
        self.unsealed.append(path)
        self.size = 0
        self._append(gzip_member(warcinfo_record(final.name, self.info, _now())))

    def _append(self, parts: list[bytes]):
        """Write `parts` at the end of the current file. Flushed at once: a ledger row may
        name these bytes as soon as `write` returns."""
        self.fh.writelines(parts)
        self.fh.flush()
        self.size += sum(len(part) for part in parts)

    def _file_for_next_record(self):
        if self.fh is None or self.size >= self.rotate_bytes:
            self._open_next()

    def _close_current(self):
        if self.fh is not None:
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
            self.fh = None

    def close(self):
        """Close the current file and give every file of this run its final name.

        Call only once the ledger holds every record written (see module docstring)."""
        self._close_current()
        for path in self.unsealed:
            if path.exists():
                os.replace(path, self.final_name(path))
        self.unsealed = []

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

    # ------------------------------------------------------------------ records

    @staticmethod
    def _refers_to(original: Original, date: str | None) -> list[tuple[str, str]]:
        """The fields of a revisit naming `original` (also by file and offset, for readers
        without an index)."""
        fields = [("WARC-Refers-To-Target-URI", original.url)]
        if date:
            fields.append(("WARC-Refers-To-Date", date))
        if original.record_id:
            fields.append(("WARC-Refers-To", original.record_id))
        return fields + [(REFERS_TO_FILE, original.warc_file), (REFERS_TO_OFFSET, str(original.warc_offset))]

    def _response_fields(self, digest: str, date: str, original: Original | None,
                         not_modified_of: Original | None, original_digest: str | None) -> tuple[str, list]:
        """Type and own fields of the record answering a download: a response, or a revisit
        standing in for one (identical payload, or a 304 confirming `not_modified_of`)."""
        if not_modified_of is not None:
            fields = [("WARC-Profile", NOT_MODIFIED_PROFILE), *self._refers_to(not_modified_of, not_modified_of.date)]
            return "revisit", fields + ([("WARC-Payload-Digest", original_digest)] if original_digest else [])
        if original is not None:
            return "revisit", [("WARC-Profile", IDENTICAL_PAYLOAD_PROFILE),
                               *self._refers_to(original, original.date or date), ("WARC-Payload-Digest", digest)]
        return "response", [("WARC-Payload-Digest", digest)]

    # ------------------------------------------------------------------ writing

    def write(self, exchange: HttpExchange, not_modified_of: Original | None = None,
              original_digest: str | None = None, block: ResponseBlock | None = None) -> StoredRecord:
        """Write the response (or revisit) and request records of one download. A 304 answer
        names the earlier record it confirms (`not_modified_of`, whose payload digest is
        `original_digest`). `block`: the exchange's `response_block`, if made already."""
        body = exchange.body
        hashed = block if block is not None else response_block(exchange)
        digest, sha256 = hashed.payload_digest, hashed.sha256
        self._file_for_next_record()
        date, response_id = _now(), record_id()
        original = self.originals.get(digest) if self.dedupable(exchange) else None
        if exchange.status == 304 and not_modified_of is not None:
            not_modified_of = self._original_ids(not_modified_of)
        else:
            not_modified_of = None
            original = self._original_ids(original) if original is not None else None
        record_type, own = self._response_fields(digest, date, original, not_modified_of, original_digest)
        fields = [("WARC-Type", record_type), ("WARC-Record-ID", response_id), ("WARC-Date", date),
                  ("WARC-Target-URI", exchange.url)]
        if exchange.ip_address:
            fields.append(("WARC-IP-Address", exchange.ip_address))
        # A revisit's block is the HTTP head alone: the payload is the original's.
        if record_type == "response":
            response = record_parts(fields + own, HTTP_RESPONSE_TYPE, [hashed.head, body], hashed.block_digest)
        else:
            response = record_parts(fields + own, HTTP_RESPONSE_TYPE, [hashed.head])
        request = record_parts(
            [("WARC-Type", "request"), ("WARC-Record-ID", record_id()), ("WARC-Date", date),
             ("WARC-Target-URI", exchange.url), ("WARC-Concurrent-To", response_id),
             ("WARC-Payload-Digest", payload_digest(exchange.request_body))],
            HTTP_REQUEST_TYPE, [_request_head(exchange), exchange.request_body])
        offset, rel = self.size, self.current_name
        # A request record is a few hundred bytes: deflating it costs more than it saves.
        deflate_response = False if payload_compressed(exchange.response_headers) else None
        self._append(gzip_member(response, deflate_response) + gzip_member(request, deflate=False))
        if original is None and self.dedupable(exchange):
            self.originals[digest] = Original(exchange.url, rel, offset, response_id, date)
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
