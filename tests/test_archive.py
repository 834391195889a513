"""WARC writing and reading: exact bytes, revisits, rotation, repair of a torn last record."""

import gzip
import hashlib
import os
import subprocess

import pytest

from migrate.archive import iter_records, read_http_headers, read_record, warc_path
from migrate.crawl.warc import HttpExchange, Original, WarcArchive, payload_digest, seal_unfinished, supersede

GBK_DISPOSITION = 'attachment; filename="2024年预算.xls"'.encode("gbk")


def exchange(url, body, status=200, headers=None, method="GET", request_body=b""):
    return HttpExchange(url, method, [(b"User-Agent", b"sitemigrate-test"), (b"Proxy-Authorization", b"Basic secret")],
                        request_body, status, headers or [(b"Content-Type", b"application/pdf")], body)


def warcio_check(path):
    return subprocess.run(["warcio", "check", str(path)], capture_output=True, text=True)


@pytest.fixture
def archive(tmp_path):
    workdir = tmp_path / "work"
    return WarcArchive(workdir / "archive" / "t", workdir, "t", info={"software": "test"}), workdir


def test_response_request_and_warcinfo_records_with_exact_header_bytes(archive):
    arch, workdir = archive
    body = b"\xd0\xcf\x11\xe0" + bytes(range(256))
    headers = [(b"Content-Type", b"application/octet-stream"), (b"Content-Disposition", GBK_DISPOSITION),
               (b"Transfer-Encoding", b"chunked")]
    stored = arch.write(exchange("http://h/download.asp?id=7", body, headers=headers))
    arch.close()
    path = workdir / stored.warc_file
    assert stored.warc_file.startswith("archive/t/t-") and path.exists()
    raw = gzip.open(path).read()
    assert GBK_DISPOSITION in raw                       # not re-encoded by warcio
    assert b"X-Archive-Orig-Transfer-Encoding: chunked" in raw   # the body is de-chunked
    assert b"secret" not in raw                          # proxy credentials never archived
    types = [e.rec_type for e in iter_records(path)]
    assert types == ["warcinfo", "response", "request"]
    got = read_record(workdir, stored.warc_file, stored.warc_offset)
    assert (got.url, got.status, got.body, got.content_type) == ("http://h/download.asp?id=7", 200, body,
                                                                  "application/octet-stream")
    assert stored.sha256 == hashlib.sha256(body).hexdigest() and stored.payload_digest == payload_digest(body)
    assert warcio_check(path).returncode == 0


def test_identical_payloads_become_revisits_that_read_back_whole(archive):
    arch, workdir = archive
    pdf = b"%PDF-1.4 same bytes" * 50
    first = arch.write(exchange("http://h/a.pdf", pdf))
    second = arch.write(exchange("http://h/copy/a.pdf", pdf))
    not_found = arch.write(exchange("http://h/x", b"gone", status=404))
    not_found2 = arch.write(exchange("http://h/y", b"gone", status=404))
    arch.close()
    assert first.revisit_of is None and second.revisit_of == "http://h/a.pdf"
    assert not_found2.revisit_of is None                # only 200 payloads are deduplicated
    entries = list(iter_records(workdir / first.warc_file))
    revisit = next(e for e in entries if e.rec_type == "revisit")
    assert revisit.refers_to["WARC-Refers-To-Target-URI"] == "http://h/a.pdf"
    assert revisit.refers_to["WARC-Refers-To"] == next(e.record_id for e in entries if e.url == "http://h/a.pdf"
                                                      and e.rec_type == "response")
    back = read_record(workdir, second.warc_file, second.warc_offset)
    assert back.record_type == "revisit" and back.body == pdf and back.refers_to_url == "http://h/a.pdf"
    assert read_record(workdir, not_found.warc_file, not_found.warc_offset).status == 404
    assert warcio_check(workdir / first.warc_file).returncode == 0


def test_a_304_is_a_not_modified_revisit_of_the_record_it_confirms(archive):
    arch, workdir = archive
    page = b"<html>same</html>"
    validators = [(b"Content-Type", b"text/html"), (b"ETag", b'"abc"'), (b"Last-Modified", b"Mon, 01 Jan 2024 00:00:00 GMT")]
    first = arch.write(exchange("http://h/p.html", page, headers=validators))
    original = Original("http://h/p.html", first.warc_file, first.warc_offset)
    again = arch.write(exchange("http://h/p.html", b"", status=304, headers=[(b"ETag", b'"abc"')]),
                       not_modified_of=original, original_digest=first.payload_digest)
    arch.close()
    entries = {e.offset: e for e in iter_records(workdir / first.warc_file)}
    revisit = entries[again.warc_offset]
    assert (revisit.rec_type, revisit.status, revisit.payload_digest) == ("revisit", 304, first.payload_digest)
    assert revisit.refers_to["WARC-Refers-To"] == entries[first.warc_offset].record_id
    assert revisit.refers_to["Sitemigrate-Refers-To-Offset"] == str(first.warc_offset)
    headers = dict(read_http_headers(workdir, first.warc_file, first.warc_offset))
    assert (headers["ETag"], headers["Last-Modified"]) == ('"abc"', "Mon, 01 Jan 2024 00:00:00 GMT")
    assert read_record(workdir, again.warc_file, again.warc_offset).body == page
    assert warcio_check(workdir / first.warc_file).returncode == 0
    assert b"server-not-modified" in gzip.open(workdir / first.warc_file).read()


def test_post_request_body_is_archived(archive):
    arch, workdir = archive
    stored = arch.write(exchange("http://h/module/web/jpage/dataproxy.jsp?startrecord=1", b"<datastore/>",
                                 method="POST", request_body=b"startrecord=1&columnid=5"))
    arch.close()
    raw = gzip.open(workdir / stored.warc_file).read()
    assert b"POST /module/web/jpage/dataproxy.jsp?startrecord=1 HTTP/1.1" in raw
    assert b"Content-Length: 24\r\n" in raw and b"startrecord=1&columnid=5" in raw


def test_files_rotate_by_size_and_stay_open_until_closed(tmp_path):
    workdir = tmp_path / "work"
    arch = WarcArchive(workdir / "archive" / "t", workdir, "t", rotate_bytes=2000)
    bodies = [os.urandom(3000) for _ in range(4)]     # incompressible, so each file fills up
    refs = [arch.write(exchange(f"http://h/{i}.bin", body)) for i, body in enumerate(bodies)]
    directory = workdir / "archive" / "t"
    assert len(list(directory.glob("*.warc.gz.open"))) == 4 and not list(directory.glob("*.warc.gz"))
    # a reader finds a file still being written
    assert read_record(workdir, refs[0].warc_file, refs[0].warc_offset).body == bodies[0]
    arch.close()
    files = sorted(directory.glob("*.warc.gz"))
    assert len(files) == 4 and len({r.warc_file for r in refs}) == 4
    assert all(warcio_check(f).returncode == 0 for f in files)


def test_repair_cuts_only_a_torn_last_record(tmp_path):
    workdir = tmp_path / "work"
    arch = WarcArchive(workdir / "archive" / "t", workdir, "t")
    refs = [arch.write(exchange(f"http://h/{i}.html", f"page {i}".encode() * 40)) for i in range(3)]
    path = warc_path(workdir, refs[0].warc_file)
    arch.fh.close()                       # killed: never closed cleanly
    data = path.read_bytes()
    path.write_bytes(data[:-25])          # the last (request) record is torn
    sealed = seal_unfinished(workdir / "archive" / "t")
    assert len(sealed) == 1
    final, entries = sealed[0]
    assert final.name.endswith(".warc.gz") and not path.exists()
    assert [e.url for e in entries if e.rec_type == "response"] == [f"http://h/{i}.html" for i in range(3)]
    assert [e.rec_type for e in entries][-1] == "response"
    assert warcio_check(final).returncode == 0
    assert read_record(workdir, refs[2].warc_file, refs[2].warc_offset).body == b"page 2" * 40


def test_supersede_moves_old_files_aside(tmp_path):
    workdir = tmp_path / "work"
    arch = WarcArchive(workdir / "archive" / "t", workdir, "t")
    arch.write(exchange("http://h/a", b"a"))
    arch.close()
    target = supersede(workdir / "archive" / "t")
    assert target.parent.name == "superseded" and len(list(target.glob("*.warc.gz"))) == 1
    assert not list((workdir / "archive" / "t").glob("*.warc.gz"))
    assert supersede(workdir / "archive" / "t") is None
