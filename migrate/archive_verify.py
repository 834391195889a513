"""`sitemigrate archive verify`: is the archive whole, unchanged, and in step with the ledger?

The WARC files are the lasting record of a township's old site (the rest of the pipeline can be
rebuilt from them), so before a site is switched off, and before it is handed to an archive
office, every township's current files are read again from the first byte to the last:

- every record's `WARC-Block-Digest` and `WARC-Payload-Digest` against its bytes (warcio's
  checker; revisit records, which warcio skips, have their block digest checked here), and each
  record a complete gzip member of its own, the members covering the file without gaps;
- the ledger against the archive: each row with a location points at a response or revisit
  record of its URL (canonicalised, mirror hosts keyed on the primary host as the crawler does)
  with its payload digest and sha256; each response in the archive belongs to a ledger row;
  each revisit names an original of the same payload;
- `SHA256SUMS` beside the files: the first verification (or packaging) records every sound
  closed file; later ones report any such file whose bytes changed, since archives only grow.

The report names file, offset and URL of every problem, and is written to
`output/reports/archive-verify.json`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from migrate.archive import OPEN_SUFFIX, REFERS_TO_FILE, REFERS_TO_OFFSET, _gzip_member_complete
from migrate.config import Config, Township
from migrate.crawl.scope import Scope
from migrate.ledger import Ledger
from migrate.urls import canonical_url, host_of

MANIFEST_NAME = "SHA256SUMS"
REPORT_NAME = "archive-verify.json"
CHUNK = 1 << 20
# Ledger states whose URL was answered by the server, so its response is in the archive.
ANSWERED_STATES = ("fetched", "failed")

KIND_TITLES = {
    "no_archive": "乡镇还没有归档文件",
    "unsealed": "WARC 文件仍处于写入状态",
    "damaged": "WARC 文件损坏，无法读完",
    "incomplete": "记录不是完整的 gzip 成员",
    "stray_bytes": "记录之间或文件末尾有多余字节",
    "digest": "摘要与内容不符",
    "no_digest": "响应记录缺少摘要",
    "ledger_file": "台账指向的 WARC 文件不存在",
    "ledger_record": "台账指向的位置没有响应记录",
    "ledger_url": "台账地址与记录地址不符",
    "ledger_digest": "台账摘要与记录不符",
    "ledger_revisit": "台账的重复内容标记与记录不符",
    "ledger_location": "台账标记为已归档但没有记录位置",
    "unknown_response": "响应记录不在台账中",
    "revisit": "revisit 记录找不到原始内容",
    "manifest_changed": "已封存的 WARC 文件被改动",
    "manifest_missing": "SHA256SUMS 中的 WARC 文件不见了",
}


# ---------------------------------------------------------------------- report

@dataclass
class ArchiveProblem:
    kind: str                   # a key of KIND_TITLES
    message: str                # Chinese, names file, offset and URL where known
    town: str
    file: str | None = None     # relative to the workdir, as the ledger names files
    offset: int | None = None
    url: str | None = None

    def as_dict(self) -> dict:
        return {"kind": self.kind, "title": KIND_TITLES[self.kind], "message": self.message,
                "town": self.town, "file": self.file, "offset": self.offset, "url": self.url}


@dataclass
class ArchiveReport:
    counts: dict[str, Counter] = field(default_factory=dict)   # town -> files, records, ...
    problems: list[ArchiveProblem] = field(default_factory=list)
    json_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, town: str, message: str, file: str | None = None,
            offset: int | None = None, url: str | None = None):
        self.problems.append(ArchiveProblem(kind, message, town, file, offset, url))

    def totals(self) -> Counter:
        total = Counter()
        for counts in self.counts.values():
            total.update(counts)
        return total

    def summary(self) -> str:
        t = self.totals()
        head = (f"归档核验：{len(self.counts)} 个乡镇，WARC 文件 {t['files']} 个，记录 {t['records']} 条"
                f"（响应 {t['responses']}，重复内容 {t['revisits']}），台账 {t['ledger_rows']} 行。")
        if self.ok:
            return head + "未发现问题。"
        kinds = Counter(p.kind for p in self.problems)
        listed = "；".join(f"{KIND_TITLES[k]} {n} 处" for k, n in kinds.most_common())
        return head + f"发现 {len(self.problems)} 个问题：{listed}。"

    def as_dict(self) -> dict:
        return {"ok": self.ok, "towns": {town: dict(c) for town, c in self.counts.items()},
                "problems": [p.as_dict() for p in self.problems]}

    def write_json(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.json_path = path
        return path


# ---------------------------------------------------------------------- files and manifest

def current_warc_files(directory: Path) -> list[Path]:
    """The township's live WARC files (finished and still open), not those in `superseded/`."""
    directory = Path(directory)
    return sorted(list(directory.glob("*.warc.gz")) + list(directory.glob(f"*.warc.gz{OPEN_SUFFIX}")))


def ledger_name(workdir: Path, path: Path) -> str:
    """How the ledger and revisit records name a file: final name, relative to the workdir."""
    final = path.with_name(path.name.removesuffix(OPEN_SUFFIX))
    return os.path.relpath(final.resolve(), Path(workdir).resolve()).replace(os.sep, "/")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(directory: Path) -> dict[str, str]:
    """`SHA256SUMS` (the `sha256sum` format: `<hex>  <name>`) as name -> hex."""
    path = Path(directory) / MANIFEST_NAME
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.strip().partition("  ")
        if digest and name:
            entries[name.lstrip("*")] = digest.lower()
    return entries


def write_manifest(directory: Path, entries: dict[str, str]):
    path = Path(directory) / MANIFEST_NAME
    text = "".join(f"{digest}  {name}\n" for name, digest in sorted(entries.items()))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class ManifestCheck:
    changed: list[str] = field(default_factory=list)    # closed files whose bytes differ
    missing: list[str] = field(default_factory=list)    # listed files gone without a trace
    added: list[str] = field(default_factory=list)


def _superseded_names(directory: Path) -> set[str]:
    return {p.name for p in Path(directory).glob("superseded/*/*.warc.gz")}


def reconcile_manifest(directory: Path, hashes: dict[str, str], sound: set[str] | None = None) -> ManifestCheck:
    """Compare closed files' sha256 (`hashes`: name -> hex) with `SHA256SUMS` and record new ones.

    A listed file that a crawl from scratch moved to `superseded/` leaves the manifest; one
    that vanished otherwise is reported. Only files in `sound` (all, if None) are added, so a
    damaged file is never recorded as the reference. Changed entries are never rewritten.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    check = ManifestCheck()
    moved_aside = _superseded_names(directory)
    kept = {}
    for name, digest in manifest.items():
        if name in hashes:
            kept[name] = digest
            if hashes[name] != digest:
                check.changed.append(name)
        elif name not in moved_aside:
            kept[name] = digest
            check.missing.append(name)
    for name, digest in sorted(hashes.items()):
        if name not in kept and (sound is None or name in sound):
            kept[name] = digest
            check.added.append(name)
    if kept != manifest:
        write_manifest(directory, kept)
    return check


# ---------------------------------------------------------------------- reading one WARC file

@dataclass
class ScannedRecord:
    offset: int
    length: int
    rec_type: str
    url: str | None
    record_id: str | None
    payload_digest: str | None
    sha256: str | None              # of the raw payload as stored
    headers: dict[str, str]


@dataclass
class FileScan:
    name: str                       # ledger form (relative to the workdir)
    path: Path
    records: list[ScannedRecord] = field(default_factory=list)
    sound: bool = True
    unreadable_from: int | None = None   # offset where reading failed


def b32_digest(algorithm: str, data: bytes) -> str:
    return f"{algorithm}:" + base64.b32encode(hashlib.new(algorithm, data).digest()).decode("ascii")


def revisit_block_ok(fh, offset: int, length: int, declared: str | None) -> bool | None:
    """The block digest of a (small) revisit record, which warcio's checker leaves out."""
    if not declared or ":" not in declared:
        return None
    algorithm = declared.split(":", 1)[0].lower()
    if algorithm not in hashlib.algorithms_available:
        return None
    fh.seek(offset)
    data = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(fh.read(length))
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    size = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                 if line.lower().startswith(b"content-length:")), None)
    if size is None:
        return False
    return b32_digest(algorithm, rest[:size]).upper() == declared.upper()


def _digest_problem(text: str) -> str:
    """warcio's English problem text, in Chinese."""
    if "unknown hash algorithm" in text:
        return f"摘要算法无法识别（{text}）"
    if "block" in text:
        return "记录块摘要（WARC-Block-Digest）与内容不符"
    if "payload" in text:
        return "载荷摘要（WARC-Payload-Digest）与内容不符"
    return f"摘要无法核对（{text}）"


def _read_record(iterator, record) -> tuple[ScannedRecord, list[tuple[str, str]]]:
    """Read one record through warcio's digest checker; returns it and its digest problems
    as (kind, Chinese text)."""
    sha = hashlib.sha256()
    while chunk := record.raw_stream.read(CHUNK):
        sha.update(chunk)
    # Only now: asking warcio for the offset first would make it skip the record's bytes.
    iterator.read_to_end(record)
    offset = iterator.get_record_offset()
    headers = dict(record.rec_headers.headers)
    checker = record.digest_checker
    problems = [("digest", _digest_problem(p)) for p in checker.problems] if checker.passed is False else []
    scanned = ScannedRecord(
        offset=offset, length=iterator.get_record_length(), rec_type=record.rec_type,
        url=headers.get("WARC-Target-URI"), record_id=headers.get("WARC-Record-ID"),
        payload_digest=headers.get("WARC-Payload-Digest"),
        sha256=sha.hexdigest() if record.rec_type == "response" else None, headers=headers)
    if record.rec_type == "response" and not (scanned.payload_digest and headers.get("WARC-Block-Digest")):
        problems.append(("no_digest", "响应记录缺少 WARC-Payload-Digest 或 WARC-Block-Digest"))
    return scanned, problems


class WarcScanner:
    """Reads one WARC file end to end and reports what is wrong with it into `report`."""

    def __init__(self, report: ArchiveReport, town: str):
        self.report = report
        self.town = town

    def scan(self, path: Path, name: str) -> FileScan:
        scan = FileScan(name, path)
        if path.name.endswith(OPEN_SUFFIX):
            self.problem(scan, "unsealed", f"{name}{OPEN_SUFFIX} 仍以 {OPEN_SUFFIX} 结尾：抓取尚未结束或曾被中断。",
                         hint="请等抓取结束，或运行 `sitemigrate crawl --resume` 把它续完并封存。")
        end = 0
        # warcio streams through `fh`; the member checks seek in `side` of their own.
        with open(path, "rb") as fh, open(path, "rb") as side:
            iterator = ArchiveIterator(fh, check_digests=True)
            try:
                for record in iterator:
                    scanned, digest_problems = _read_record(iterator, record)
                    self.check_record(scan, side, scanned, digest_problems, end)
                    scan.records.append(scanned)
                    end = scanned.offset + scanned.length
            except Exception as exc:  # noqa: BLE001 - warcio/zlib raise many kinds at damaged bytes
                scan.unreadable_from = end
                self.problem(scan, "damaged", f"{name} 从偏移 {end} 起无法读取（{type(exc).__name__}: {exc}），"
                             "其后的记录都无法核对。", offset=end)
                return scan
        size = path.stat().st_size
        if end != size:
            self.problem(scan, "stray_bytes", f"{name} 偏移 {end} 之后有 {size - end} 字节不属于任何完整记录"
                         "（抓取被强行中断时会留下残缺的最后一条记录）。", offset=end)
        return scan

    def check_record(self, scan: FileScan, fh, record: ScannedRecord, digest_problems: list[tuple[str, str]],
                     expected: int):
        where = f"{scan.name} 偏移 {record.offset}（{record.rec_type}，{record.url or '无地址'}）"
        if record.offset != expected:
            self.problem(scan, "stray_bytes", f"{scan.name} 偏移 {expected} 到 {record.offset} 之间的字节不属于任何记录。",
                         offset=expected)
        if not _gzip_member_complete(fh, record.offset, record.length):
            self.problem(scan, "incomplete", f"{where} 不是一个完整的 gzip 成员（残缺或与其他记录压在一起）。",
                         offset=record.offset, url=record.url)
        if record.rec_type == "revisit" and revisit_block_ok(
                fh, record.offset, record.length, record.headers.get("WARC-Block-Digest")) is False:
            digest_problems = digest_problems + [("digest", "记录块摘要（WARC-Block-Digest）与内容不符")]
        for kind, text in digest_problems:
            self.problem(scan, kind, f"{where}：{text}。", offset=record.offset, url=record.url)

    def problem(self, scan: FileScan, kind: str, message: str, offset: int | None = None,
                url: str | None = None, hint: str | None = None):
        scan.sound = False
        self.report.add(kind, self.town, message + (hint or ""), scan.name, offset, url)


# ---------------------------------------------------------------------- the archive against the ledger

class LedgerKeys:
    """Ledger key of an archived URL: mirror hosts moved to the primary host, canonicalised."""

    def __init__(self, town: Township):
        site = town.old_site
        primary = host_of(site.start_urls[0]) if site.start_urls else (site.hosts or [""])[0]
        self.scope = Scope(site.hosts or [primary], 0, 0, 0, primary=primary)

    def __call__(self, url: str) -> str:
        return canonical_url(self.scope.to_primary(url))


class TownCheck:
    """Every check of one township's archive, reporting into a shared `ArchiveReport`."""

    def __init__(self, config: Config, ledger: Ledger, town: Township, report: ArchiveReport):
        self.config = config
        self.ledger = ledger
        self.town = town
        self.report = report
        self.key = LedgerKeys(town)
        self.scans: list[FileScan] = []
        self.at: dict[tuple[str, int], ScannedRecord] = {}
        self.unreadable: dict[str, int] = {}
        self.counts = report.counts.setdefault(town.slug, Counter())

    def add(self, kind: str, message: str, file: str | None = None, offset: int | None = None,
            url: str | None = None):
        self.report.add(kind, self.town.slug, message, file, offset, url)

    def run(self, progress=None):
        directory = self.config.archive_dir(self.town.slug)
        files = current_warc_files(directory)
        if not files:
            self.add("no_archive", f"{self.town.name}（{self.town.slug}）在 {directory} 中还没有 WARC 文件："
                     f"请先运行 `sitemigrate crawl {self.town.slug}`。")
        scanner = WarcScanner(self.report, self.town.slug)
        for done, path in enumerate(files):
            if progress:
                progress(done, len(files), f"核验归档 {self.town.name}")
            self.scans.append(scanner.scan(path, ledger_name(self.config.workdir, path)))
        if progress:
            progress(len(files), len(files), f"核验归档 {self.town.name}")
        self.at = {(s.name, r.offset): r for s in self.scans for r in s.records}
        self.unreadable = {s.name: s.unreadable_from for s in self.scans if s.unreadable_from is not None}
        self.count()
        rows = self.ledger.rows(self.town.slug)
        self.counts["ledger_rows"] = len(rows)
        self.check_ledger_rows(rows)
        self.check_responses_known(rows)
        self.check_revisits()
        self.check_manifest()

    def count(self):
        records = [r for s in self.scans for r in s.records]
        self.counts.update(files=len(self.scans), records=len(records),
                           responses=sum(r.rec_type == "response" for r in records),
                           revisits=sum(r.rec_type == "revisit" for r in records))

    # -- ledger rows → archive

    def check_ledger_rows(self, rows: list[dict]):
        names = {s.name for s in self.scans}
        for row in rows:
            if row["warc_file"] is None:
                if row["state"] == "fetched":
                    self.add("ledger_location", f"台账中 {row['url']} 标记为已归档，却没有 WARC 文件和偏移。", url=row["url"])
                continue
            if row["warc_file"] not in names:
                self.add("ledger_file", f"台账中 {row['url']} 指向的 {row['warc_file']} 不在 "
                         f"{self.config.archive_dir(self.town.slug)} 中（被移走或删除？）。",
                         row["warc_file"], row["warc_offset"], row["url"])
                continue
            self.check_row_record(row, self.at.get((row["warc_file"], row["warc_offset"])))

    def check_row_record(self, row: dict, record: ScannedRecord | None):
        file, offset, url = row["warc_file"], row["warc_offset"], row["url"]
        where = f"{file} 偏移 {offset}"
        if record is None or record.rec_type not in ("response", "revisit"):
            damaged_from = self.unreadable.get(file)
            if record is None and damaged_from is not None and offset >= damaged_from:
                found = f"文件自偏移 {damaged_from} 起损坏的部分，这条内容已无法读出"
            else:
                found = f"{record.rec_type} 记录" if record else "没有记录的起点"
            self.add("ledger_record", f"台账中 {url} 指向 {where}，那里是{found}。", file, offset, url)
            return
        if not record.url or self.key(record.url) != url:
            self.add("ledger_url", f"台账中 {url} 指向 {where}，那里的记录却是 {record.url}。", file, offset, url)
            return
        if record.payload_digest != row["payload_digest"]:
            self.add("ledger_digest", f"{where} 的 {url}：记录摘要 {record.payload_digest}，台账为 "
                     f"{row['payload_digest']}。", file, offset, url)
        elif record.rec_type == "response" and row["sha256"] and record.sha256 != row["sha256"]:
            self.add("ledger_digest", f"{where} 的 {url}：内容 sha256 为 {record.sha256}，台账为 {row['sha256']}。",
                     file, offset, url)
        self.check_row_revisit(row, record, where)

    def check_row_revisit(self, row: dict, record: ScannedRecord, where: str):
        url = row["url"]
        if record.rec_type == "revisit":
            original = record.headers.get("WARC-Refers-To-Target-URI")
            expected = self.key(original) if original else None
            if row["revisit_of"] != expected:
                self.add("ledger_revisit", f"{where} 的 {url} 是 {original} 的重复内容，台账记为 "
                         f"{row['revisit_of'] or '（无）'}。", row["warc_file"], row["warc_offset"], url)
        elif row["revisit_of"]:
            self.add("ledger_revisit", f"台账说 {url} 重复 {row['revisit_of']} 的内容，{where} 却是完整响应。",
                     row["warc_file"], row["warc_offset"], url)

    # -- archive → ledger

    def check_responses_known(self, rows: list[dict]):
        answered = {r["url"] for r in rows if r["state"] in ANSWERED_STATES}
        for scan in self.scans:
            for record in scan.records:
                if record.rec_type not in ("response", "revisit") or not record.url:
                    continue
                if self.key(record.url) not in answered:
                    self.add("unknown_response", f"{scan.name} 偏移 {record.offset} 的响应 {record.url} 在台账中没有"
                             "已归档的记录（抓取中断后尚未续抓？请运行 `sitemigrate crawl --resume`）。",
                             scan.name, record.offset, record.url)

    def check_revisits(self):
        by_digest: dict[str, ScannedRecord] = {}
        for scan in self.scans:
            for record in scan.records:
                if record.rec_type == "response" and record.payload_digest:
                    by_digest.setdefault(record.payload_digest, record)
        for scan in self.scans:
            for record in scan.records:
                if record.rec_type == "revisit":
                    problem = self.revisit_problem(record, by_digest)
                    if problem:
                        self.add("revisit", f"{scan.name} 偏移 {record.offset} 的 {record.url}：{problem}。",
                                 scan.name, record.offset, record.url)

    def revisit_problem(self, record: ScannedRecord, by_digest: dict[str, ScannedRecord]) -> str | None:
        headers = record.headers
        target_file, target_offset = headers.get(REFERS_TO_FILE), headers.get(REFERS_TO_OFFSET)
        if target_file and target_offset and target_offset.isdigit():
            original = self.at.get((target_file, int(target_offset)))
            if original is None or original.rec_type != "response":
                return f"所指的原始记录 {target_file} 偏移 {target_offset} 不存在"
        else:
            original = by_digest.get(record.payload_digest or "")
            if original is None:
                return f"本乡镇归档中没有摘要为 {record.payload_digest} 的原始响应"
        if original.payload_digest != record.payload_digest:
            return f"原始记录的摘要 {original.payload_digest} 与本记录的 {record.payload_digest} 不同"
        refers_to = headers.get("WARC-Refers-To")
        if refers_to and refers_to != original.record_id:
            return f"WARC-Refers-To 为 {refers_to}，所指位置的记录却是 {original.record_id}"
        refers_url = headers.get("WARC-Refers-To-Target-URI")
        if refers_url and original.url and self.key(refers_url) != self.key(original.url):
            return f"WARC-Refers-To-Target-URI 为 {refers_url}，原始记录却是 {original.url}"
        return None

    # -- SHA256SUMS

    def check_manifest(self):
        directory = self.config.archive_dir(self.town.slug)
        closed = [s for s in self.scans if not s.path.name.endswith(OPEN_SUFFIX)]
        hashes = {s.path.name: file_sha256(s.path) for s in closed}
        check = reconcile_manifest(directory, hashes, sound={s.path.name for s in closed if s.sound})
        prefix = ledger_name(self.config.workdir, directory)
        for name in check.changed:
            self.add("manifest_changed", f"{prefix}/{name} 的 sha256 与 {prefix}/{MANIFEST_NAME} 记录的不同："
                     "已封存的归档文件只应追加新文件，不应改动。请用备份恢复该文件。", f"{prefix}/{name}")
        for name in check.missing:
            self.add("manifest_missing", f"{prefix}/{MANIFEST_NAME} 记录的 {name} 不见了（既不在原处，也不在 superseded/ 中）。"
                     "请用备份恢复该文件。", f"{prefix}/{name}")


def verify_archive(config: Config, ledger: Ledger, towns: list[Township | str] | None = None,
                   progress=None) -> ArchiveReport:
    """Check each township's WARC files, its ledger rows and `SHA256SUMS`; writes
    `output/reports/archive-verify.json`. `report.ok` is False on any problem."""
    report = ArchiveReport()
    for town in config.townships if towns is None else towns:
        town = config.township(town) if isinstance(town, str) else town
        TownCheck(config, ledger, town, report).run(progress)
    report.write_json(config.reports_dir / REPORT_NAME)
    return report
