"""The crawl's fast paths give exactly the answers of the slow ones they stand in for.

Link absolutisation cached by origin or directory, `canonical_key` and `browser_safe` skipping
w3lib for URLs already in final form, and the WARC records written without warcio's builder.
"""

import gzip
import base64
import hashlib
import os
import subprocess
import zlib
from urllib.parse import urljoin

import pytest
from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator

from migrate.archive import iter_records, read_record
from migrate.crawl import discovery
from migrate.crawl.discovery import absolute, base_of, browser_safe, markup_links, parse_html, script_texts
from migrate.crawl.pagination import TrsPaging, trs_paging
from migrate.crawl.scope import canonical_key
from migrate.crawl.warc import HttpExchange, Original, WarcArchive, payload_digest, response_block
from migrate.urls import canonical_url

# ---------------------------------------------------------------------- absolutise

BASES = ["http://h/", "http://h", "http://h/dir/page.html?x=1#top", "http://h/dir/", "http://h:8080/a/b/c",
         "https://h/a;p?q=2", "http://h/a/b;p/c", "http://user@h/a/", "HTTP://H/A/b.htm", "http://h/a/b/c/d.asp?id=1",
         "http://h/%E4%B8%AD/x.html"]
RAWS = ["t2015.html", "./b/", "b?x=1", "../a.html", "../../../x", ".", "..", "?page=2", "?", "#frag", "",
        "  ../spaced.html  ", "//other.host/x", "/root.html?x=1", "/", "http://x/y", "HTTP://X/Y", "https://h/z#f",
        "http:foo", "http:", "https:?q", "a:b", ";p", "a;b/c", "a\\b\\c.html", "\\\\host\\share", "/a\\b?c\\d",
        "中文.html", "/列表/", "?q=中文", "%E4%B8%AD.html", "a b.html", "x#y", "javascript:void(0)", "JavaScript:go()",
        "mailto:x@h", "tel:123", "data:x", "ftp://h/x", "a\tb.html", "\nline.html"]


def uncached_absolute(raw, base, encoding):
    """The resolution `absolute` did before it was cached by origin or directory."""
    if not raw:
        return None
    raw = raw.strip()
    if "\\" in raw:
        path, sep, query = raw.partition("?")
        raw = path.replace("\\", "/") + sep + query
    if not raw or raw.lower().startswith(discovery.SKIPPED_SCHEMES):
        return None
    try:
        url = safe_url_string(urljoin(base, raw), encoding=encoding)
    except ValueError:
        return None
    url = url.split("#", 1)[0]
    return url if url.startswith(("http://", "https://")) else None


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_cached_absolutise_answers_as_uncached_for_every_base(encoding):
    discovery._absolute.cache_clear()
    # Twice round: the second pass is answered from the cache filled by other bases.
    for _ in range(2):
        for base in BASES:
            for raw in RAWS:
                assert absolute(raw, base, encoding) == uncached_absolute(raw, base, encoding), (raw, base)


def test_relative_links_share_the_cache_entry_of_their_directory():
    discovery._absolute.cache_clear()
    absolute("t1.html", "http://h/list/index.html")
    absolute("t1.html", "http://h/list/index_1.html?x=1")
    assert discovery._absolute.cache_info().hits == 1
    assert absolute("t1.html", "http://h/other/index.html") == "http://h/other/t1.html"


def test_query_only_links_keep_the_page_path_and_gbk_queries_are_percent_encoded_in_gbk():
    assert absolute("?page=2", "http://h/list.asp?classid=5") == "http://h/list.asp?page=2"
    assert absolute("?page=3", "http://h/news.asp?classid=5") == "http://h/news.asp?page=3"
    assert absolute("?kw=中文", "http://h/s.asp", "gb18030") == "http://h/s.asp?kw=%D6%D0%CE%C4"
    assert absolute("?kw=中文", "http://h/s.asp") == "http://h/s.asp?kw=%E4%B8%AD%E6%96%87"


def test_base_href_moves_relative_links_but_not_root_relative_ones():
    html = ('<html><head><base href="../other/"></head><body><a href="a.html">A</a><a href="/r.html">R</a>'
            '<a href="?p=2">P</a><a href="//cdn.h/x.js">C</a></body></html>')
    page = "http://h/dir/sub/page.html?x=1"
    doc = parse_html(html)
    base = base_of(doc, page)
    assert base == "http://h/dir/other/"
    got = [(link.url, link.text) for link in markup_links(doc, base) if link.source == "a"]
    raws = ["a.html", "/r.html", "?p=2", "//cdn.h/x.js"]
    assert got == [(uncached_absolute(raw, base, "utf-8"), text) for raw, text in zip(raws, "ARPC")]


def test_anchor_text_of_nested_markup_matches_text_content():
    doc = parse_html('<p><a href="/a">plain</a><a href="/b"><b>bold</b> tail <!-- c --></a>'
                     '<a href="/c"><img src="/i.png" alt="pic"></a><a href="/d">  two\n words </a></p>')
    texts = [link.text for link in markup_links(doc, "http://h/") if link.source == "a"]
    assert texts == ["plain", "bold tail", "pic", "two words"]


# ---------------------------------------------------------------------- w3lib fast paths

URLS = ["http://h/a/b.html", "http://h", "http://h/", "https://h:8443/x", "http://h:80/x", "https://h:443/",
        "http://h:8080", "http://h:080/x", "http://h:99999/x", "http://H/x", "http://h./x", "http://h/a/./b",
        "http://h/a/../b", "http://h/.hidden", "http://h/a//b", "http://h/a%41", "http://h/a b", "http://h/~u/",
        "http://h/a;p", "http://h/a?b=2&a=1", "http://h/a?x=%E4", "http://h/a#f", "http://h/中文", "http://xn--fiq.cn/",
        "http://a-b.c-d.cn/A_B-c~d.HTML", "http://h/a.b.c/", "http://1.2.3.4:8000/x?y=1", "http://h:65535/",
        "http://h:65536/", "ftp://h/x", "http://h/a?", "http://h/a?b"]


def outcome(function, url):
    try:
        return function(url)
    except ValueError as error:
        return ("ValueError", str(error))


@pytest.mark.parametrize("url", URLS)
def test_canonical_key_is_canonical_url(url):
    canonical_key.cache_clear()
    assert outcome(canonical_key, url) == outcome(canonical_url, url)


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_browser_safe_is_safe_url_string(url, encoding):
    assert outcome(lambda u: browser_safe(u, encoding), url) == \
        outcome(lambda u: safe_url_string(u, encoding=encoding), url)


@pytest.mark.parametrize("url", URLS)
def test_a_request_skips_scrapys_url_check_only_when_it_would_change_nothing(url):
    """`make_request` marks a browser-safe URL `verbatim_url`; Scrapy then takes it as given."""
    from scrapy.http import Request

    if not discovery.is_browser_safe(url):
        return
    assert Request(url, meta={"verbatim_url": True}).url == Request(url).url == url


def test_a_request_for_a_chinese_path_is_still_made_safe_by_scrapy(tmp_path):
    from migrate.crawl.job import CrawlJob
    from migrate.crawl.state import CrawlStart
    from spiders.generic import GovSiteSpider

    job = CrawlJob(town="t", town_name="T", start_urls=["http://h/"], hosts=["h"], workdir=str(tmp_path),
                   ledger_path=str(tmp_path / "l.sqlite"), archive_dir=str(tmp_path / "a"))
    spider = GovSiteSpider(job=job, start=CrawlStart())
    plain = spider.make_request("http://h/a.html", "http://h/a.html", 1, "", "a", "page")
    chinese = spider.make_request("http://h/中文.html", "http://h/中文.html", 1, "", "a", "page")
    assert plain.meta.get("verbatim_url") and plain.url == "http://h/a.html"
    assert "verbatim_url" not in chinese.meta and chinese.url == "http://h/%E4%B8%AD%E6%96%87.html"


def test_a_dataproxy_answer_or_sitemap_is_read_as_one_however_it_is_linked(tmp_path):
    """A plain <a> to a Hanweb dataproxy.jsp GET page or to an XML sitemap: what it lists is
    followed (not parsed as a page)."""
    from migrate.crawl.discovery import FoundLink
    from migrate.crawl.job import CrawlJob
    from migrate.crawl.ledgerwriter import LedgerBatch
    from migrate.crawl.state import CrawlStart
    from spiders.generic import GovSiteSpider

    job = CrawlJob(town="t", town_name="T", start_urls=["http://h/"], hosts=["h"], workdir=str(tmp_path),
                   ledger_path=str(tmp_path / "l.sqlite"), archive_dir=str(tmp_path / "a"))
    spider = GovSiteSpider(job=job, start=CrawlStart())
    spider.robots["http://h"] = None          # no robots.txt to wait for
    links = [FoundLink("http://h/module/web/jpage/dataproxy.jsp?columnid=5&page=2", "下一页", "a"),
             FoundLink("http://h/col/col5/index.html", "栏目", "a"),
             FoundLink("http://h/sitemap_index.xml", "网站地图", "a")]
    requests = spider.discover("http://h/", 1, links, LedgerBatch())
    assert [r.callback.__name__ for r in requests] == ["parse_dataproxy", "parse_page", "parse_sitemap"]


def html_pages():
    """(url, body) of every HTML page of the three sample sites, and of the real pages if here."""
    from conftest import REALPAGES
    from migrate.samples.sites import sample_sites

    for site in sample_sites().values():
        for key, resource in site.resources.items():
            if resource.content_type and "html" in resource.content_type:
                yield site.url(key), resource.body
    for path in sorted(REALPAGES.glob("*.html")) if REALPAGES.exists() else []:
        yield f"http://www.example.gov.cn/{path.name}", path.read_bytes()


def test_first_mentions_leave_the_crawl_exactly_as_all_links_would(tmp_path, monkeypatch):
    """`page_links` hands the crawl only each URL's first mention (and first mention as a
    link): `discover` must record the same rows, links and requests as from every link."""
    import spiders.generic as generic
    from scrapy.http import HtmlResponse, Request

    from migrate.crawl.job import CrawlJob
    from migrate.crawl.ledgerwriter import LedgerBatch
    from migrate.crawl.state import CrawlStart

    def crawl_outcome(url, body):
        host = url.split("/")[2]
        job = CrawlJob(town="t", town_name="T", start_urls=[url], hosts=[host], workdir=str(tmp_path),
                       ledger_path=str(tmp_path / "l.sqlite"), archive_dir=str(tmp_path / "a"))
        spider = generic.GovSiteSpider(job=job, start=CrawlStart())
        spider.robots[url.split("/")[0] + "//" + host] = None
        response = HtmlResponse(url, body=body, request=Request(url, meta={"depth": 0, "key": url}))
        batch = LedgerBatch()
        requests = spider.discover(url, 1, spider.page_links(response), batch)
        first_link = {}
        for src, dst, text in batch.links:           # what INSERT OR IGNORE keeps
            first_link.setdefault((src, dst), text)
        return batch.discovered, first_link, [(r.url, r.meta["source"], r.meta["role"]) for r in requests]

    pages = list(html_pages())
    thinned = [crawl_outcome(url, body) for url, body in pages]
    monkeypatch.setattr(generic, "first_mentions", lambda links: links)
    for (url, body), outcome in zip(pages, thinned):
        assert crawl_outcome(url, body) == outcome, url
    assert len(pages) > 100


def test_first_mentions_keep_a_later_link_after_an_earlier_mention_that_is_not_one():
    from migrate.crawl.discovery import FoundLink, first_mentions

    links = [FoundLink("http://h/a.jpg", "", "script-file"), FoundLink("http://h/b.html", "新闻", "a"),
             FoundLink("http://h/a.jpg", "图片", "img"), FoundLink("http://h/b.html", "更多", "a"),
             FoundLink("http://h/a.jpg", "", "script-file"), FoundLink("http://h/c.html", "", "refresh")]
    assert first_mentions(links) == links[:3] + links[5:]


# ---------------------------------------------------------------------- scripts and paging

def test_script_texts_finds_handlers_and_javascript_urls_in_any_case_only():
    doc = parse_html('<body onload="init()"><a href="JavaScript:go(\'/x\')">x</a><a href="http://h/y">y</a>'
                     '<img src=" javascript:void(0)"><a href="/z" onclick="location=\'/w\'">z</a>'
                     '<script>var a=1;</script><script src="/s.js"></script></body>')
    assert script_texts(doc) == ["var a=1;", "init()", "JavaScript:go('/x')", " javascript:void(0)", "location='/w'"]


def test_trs_paging_is_found_only_where_declared():
    assert trs_paging(["var _hmt=[];", "function tabs(){}"]) is None
    assert trs_paging(["// var countPage = 5"]) is None
    assert trs_paging(["var countPage = 5"]) == TrsPaging(5)
    assert trs_paging(["var n = 7;", 'createPageHTML(n, 0, "index", "html");']) == TrsPaging(7, "index", "html")


# ---------------------------------------------------------------------- WARC records

def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def exchange(url, body, status=200, headers=None, method="GET", request_body=b""):
    return HttpExchange(url, method, [(b"User-Agent", b"t")], request_body, status,
                        headers or [(b"Content-Type", b"text/html; charset=gbk")], body, ip_address="127.0.0.1")


@pytest.fixture(params=["hashed-by-archive", "hashed-beforehand"])
def written(tmp_path, request):
    """An archive with every kind of record the crawl writes, closed; each response hashed by
    the archive or beforehand (`response_block`, as the asyncio engine hashes for its sidecar)."""
    archive = WarcArchive(tmp_path / "archive", tmp_path, "t", info={"software": "test", "empty": ""})

    def write(exchange, *previous):
        if request.param == "hashed-beforehand":
            return archive.write(exchange, *(previous or (None, None)), block=response_block(exchange))
        return archive.write(exchange, *previous)

    page = "<html><title>页面</title></html>".encode("gbk") * 200
    binary = os.urandom(150_000)                 # does not compress: stored blocks, > 64 KiB
    stored = {
        "page": write(exchange("http://h/a.html", page)),
        "copy": write(exchange("http://h/b.html", page)),
        "binary": write(exchange("http://h/f.doc", os.urandom(2000), headers=[(b"Content-Type", b"application/msword")])),
        "empty": write(exchange("http://h/gone", b"", status=404)),
        "post": write(exchange("http://h/dataproxy.jsp", b"<records/>", method="POST",
                               request_body=b"startrecord=1&endrecord=45")),
        "big": write(exchange("http://h/big.bin", binary)),
    }
    first = stored["page"]
    stored["not_modified"] = write(
        exchange("http://h/a.html", b"", status=304),
        Original("http://h/a.html", first.warc_file, first.warc_offset), first.payload_digest)
    archive.close()
    return tmp_path, stored, page, binary


def test_records_pass_warcio_check_with_correct_digests(written):
    workdir, stored, page, binary = written
    path = workdir / stored["page"].warc_file
    assert subprocess.run(["warcio", "check", str(path)], capture_output=True).returncode == 0
    entries = list(iter_records(path, bodies=True))
    assert [e.rec_type for e in entries] == ["warcinfo"] + ["response", "request", "revisit", "request"] + \
        ["response", "request"] * 4 + ["revisit", "request"]
    assert all(e.digest_ok for e in entries)


def gzip_members(path, offsets):
    """The decompressed record at each offset, checking it is one whole gzip member."""
    data = path.read_bytes()
    records = []
    for start, end in zip(offsets, offsets[1:] + [len(data)]):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        records.append(inflater.decompress(data[start:end]))
        assert inflater.eof and not inflater.unused_data
    return records


def test_block_digest_and_length_cover_exactly_the_bytes_written(written):
    workdir, stored, page, binary = written
    path = workdir / stored["page"].warc_file
    for record in gzip_members(path, [e.offset for e in iter_records(path)]):
        head, _, rest = record.partition(b"\r\n\r\n")
        assert rest.endswith(b"\r\n\r\n")
        block = rest[:-4]
        fields = dict(line.split(": ", 1) for line in head.decode("utf-8").split("\r\n")[1:])
        assert head.startswith(b"WARC/1.1\r\nWARC-Type: ")
        assert int(fields["Content-Length"]) == len(block)
        assert fields["WARC-Block-Digest"] == sha1_b32(block)
        assert fields["WARC-Record-ID"].startswith("<urn:uuid:") and fields["WARC-Date"].endswith("Z")


def test_payload_digests_revisits_and_request_records(written):
    workdir, stored, page, binary = written
    assert stored["page"].payload_digest == payload_digest(page) == sha1_b32(page)
    assert stored["page"].sha256 == hashlib.sha256(page).hexdigest()
    assert stored["copy"].revisit_of == "http://h/a.html" and stored["empty"].payload_digest == sha1_b32(b"")
    for key, body in (("page", page), ("copy", page), ("big", binary)):
        got = read_record(workdir, stored[key].warc_file, stored[key].warc_offset)
        assert got.body == body and got.payload_digest == sha1_b32(body)
    entries = {(e.url, e.rec_type): e for e in iter_records(workdir / stored["page"].warc_file)}
    revisit = entries[("http://h/b.html", "revisit")]
    assert revisit.refers_to["WARC-Refers-To-Target-URI"] == "http://h/a.html"
    assert revisit.refers_to["Sitemigrate-Refers-To-Offset"] == str(stored["page"].warc_offset)
    assert revisit.refers_to["WARC-Refers-To"] == entries[("http://h/a.html", "response")].record_id
    assert revisit.payload_digest == stored["page"].payload_digest


def test_headers_and_request_bodies_are_the_bytes_exchanged(written):
    workdir, stored, page, binary = written
    raw = gzip.open(workdir / stored["page"].warc_file).read()
    assert b"Content-Type: text/html; charset=gbk\r\n" in raw
    assert b"POST /dataproxy.jsp HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\nContent-Length: 26\r\n\r\n" \
           b"startrecord=1&endrecord=45\r\n\r\n" in raw
    assert b"WARC-IP-Address: 127.0.0.1\r\n" in raw and b"empty:" not in raw
    assert b"WARC-Profile: http://netpreserve.org/warc/1.1/revisit/server-not-modified\r\n" in raw


def test_every_record_is_its_own_gzip_member_and_incompressible_payloads_are_stored(written):
    workdir, stored, page, binary = written
    path = workdir / stored["page"].warc_file
    offsets = [e.offset for e in iter_records(path)]
    assert {s.warc_offset for s in stored.values()} <= set(offsets)
    records = gzip_members(path, offsets)
    assert all(record.startswith(b"WARC/1.1\r\n") for record in records)
    member = offsets[offsets.index(stored["big"].warc_offset) + 1] - stored["big"].warc_offset
    assert len(binary) < member < len(binary) + 1000        # stored as it is, in 64 KiB blocks
    page_member = offsets[offsets.index(stored["page"].warc_offset) + 1] - stored["page"].warc_offset
    assert page_member < len(page) / 5                       # pages are deflated


# ---------------------------------------------------------------------- HTTP answers as Scrapy objects

RAW_HEADERS = [
    ((b"Content-Type", b"text/html; charset=gbk"), (b"set-cookie", b"a=1"), (b"Set-Cookie", b"b=2"),
     (b"X-custom-NAME", b"\xc4\xe3")),
    ((b"Content-Type", b"application/octet-stream"),
     (b"Content-Disposition", b'attachment; filename="\xb9\xab\xb8\xe6.pdf"')),
    ((b"content-type", b"text/plain"), (b"Content-Encoding", b"gzip")),
    ((b"Content-Disposition", b"inline; filename=a.xml"),),
    (),
]


@pytest.mark.parametrize("raw", RAW_HEADERS)
def test_response_headers_are_what_scrapy_builds(raw):
    from scrapy.http import Headers

    from migrate.crawl.fetcher import response_headers

    grouped: dict = {}
    for name, value in raw:
        grouped.setdefault(name, []).append(value)
    assert dict(response_headers(raw)) == dict(Headers(grouped))


@pytest.mark.parametrize("raw", RAW_HEADERS)
@pytest.mark.parametrize("url", ["http://h/a.html", "http://h/file.pdf", "http://h/data"])
@pytest.mark.parametrize("body", [b"<html><body>x</body></html>", b"%PDF-1.4 ...", b""])
def test_response_class_is_what_scrapy_picks(raw, url, body):
    from scrapy.responsetypes import responsetypes

    from migrate.crawl.fetcher import response_class, response_headers

    headers = response_headers(raw)
    for _ in range(2):          # the second time from the cache
        assert response_class(headers, url, body) is responsetypes.from_args(headers=headers, url=url, body=body)


def test_outgoing_headers_write_the_defaults_into_the_request_once():
    from scrapy.http import Request

    from migrate.crawl.fetcher import Fetcher

    fetcher = Fetcher(10, None, {"User-Agent": "sitemigrate", "Accept-Language": "zh-CN"})
    request = Request("http://h/", headers={"Referer": "http://h/list.html", "accept-language": "en"})
    sent = fetcher.outgoing_headers(request)
    assert sent == {"User-Agent": "sitemigrate", "Accept-Language": "en", "Referer": "http://h/list.html"}
    assert request.headers.getlist("User-Agent") == [b"sitemigrate"]
    assert request.headers.getlist("Accept-Language") == [b"en"]


# ---------------------------------------------------------------------- what is deflated

@pytest.mark.parametrize("headers, compressed", [
    ([(b"Content-Type", b"image/JPEG; foo=bar")], True),
    ([(b"content-type", b"application/zip")], True),
    ([(b"Content-Type", b"text/html; charset=gbk")], False),
    ([(b"Content-Type", b"application/msword")], False),       # old .doc files deflate well
    ([], False),
])
def test_only_payloads_of_compressed_formats_skip_the_deflate_trial(headers, compressed):
    from migrate.crawl.warc import payload_compressed

    assert payload_compressed(headers) is compressed


@pytest.mark.parametrize("deflate", [True, False, None])
def test_a_gzip_member_deflated_or_stored_reads_back_the_same(deflate):
    from migrate.crawl.warc import GZIP_HEADER, gzip_member

    parts = [b"WARC/1.1\r\n", b"<html>" + "正文".encode() * 500 + b"</html>", b"\r\n\r\n"]
    member = b"".join(gzip_member(parts, deflate))
    assert gzip.decompress(member) == b"".join(parts)
    stored = member[len(GZIP_HEADER)] & 0x06 == 0          # first block: BTYPE 00, no compression
    assert stored is (deflate is False)
