"""The generic spider for township government sites (TRS, Hanweb, hand-made ASP/PHP sites).

Built from small methods with one job each, so a spider for an odd site
(`spiders/<name>.py`, named in the township's `old_site.spider`) subclasses `GovSiteSpider` and
overrides only what differs: more link sources (`page_links`), other list paging
(`pagination_links`), extra trap rules (`trap_rules`), another decoding (`decode`).

Every URL the spider learns of is written to the ledger once, as queued or as excluded with the
rule that fired; every response (any status, any type) is archived by the WARC middleware and
its outcome written next to it. Links are only followed out of HTML pages (and robots.txt,
sitemaps and Hanweb data feeds, which are read for the links they list).
"""

from __future__ import annotations

import time
from typing import Iterable
from urllib.parse import urlsplit

import scrapy
from scrapy.http import FormRequest, Request
from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadFailedError, DownloadTimeoutError, IgnoreRequest, ResponseDataLossError)
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.internet.error import (ConnectError, ConnectionRefusedError, DNSLookupError,
                                    TCPTimedOutError, TimeoutError)

from migrate.archive import media_type
from migrate.crawl import pagination
from migrate.crawl.classify import PAGE_TYPES, file_name, is_attachment_disposition, is_sitemap, kind_of
from migrate.crawl.discovery import (LINK_TABLE_SOURCES, FoundLink, absolute, base_of, decode_page,
                                     fallback_links, first_mentions, is_browser_safe, markup_links, parse_html,
                                     refresh_links, script_file_links, script_links, script_texts,
                                     stylesheet_links)
from migrate.crawl.job import CrawlJob
from migrate.crawl.ledgerwriter import LedgerBatch
from migrate.crawl.middlewares import CapsMiddleware
from migrate.crawl.scope import TRAP_RULES, Scope, canonical_key, without_session_id
from migrate.crawl.state import CrawlStart, PendingUrl, origin_of
from migrate.crawl.verdicts import document_is_soft_404, effective_type, mislabelled_rule
from migrate.charsets import charset_from_content_type
from migrate.urls import host_of

# Request roles: which callback reads the answer.
PAGE, ROBOTS, SITEMAP, DATAPROXY = "page", "robots", "sitemap", "dataproxy"
ROLE_OF_SOURCE = {"robots": ROBOTS, "sitemap": SITEMAP, "jpage": DATAPROXY}
DOCUMENT = "_document"     # response.meta key of the parsed page (dropped after the callback)
# Assets read for what they load, by their type (see `GovSiteSpider.asset_language`).
ASSET_LANGUAGES = {"css": ("text/css",),
                   "js": ("application/javascript", "text/javascript", "application/x-javascript",
                          "application/ecmascript")}
# Types that say nothing of a file: its name tells.
UNSAID_TYPES = (None, "", "text/plain", "application/octet-stream", "application/x-unknown")


_NOW = [0, ""]       # the current second and its ISO form: formatted once a second, not per URL


def now_iso() -> str:
    second = int(time.time())
    if second != _NOW[0]:
        _NOW[:] = second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
    return _NOW[1]


FAILURE_RULES = (
    ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), "timeout"),
    ((CannotResolveHostError, DNSLookupError), "dns"),
    ((DownloadConnectionRefusedError, ConnectionRefusedError), "connection-refused"),
    ((DownloadCancelledError,), "too-large"),   # over DOWNLOAD_MAXSIZE (max_file_bytes)
    ((ResponseDataLossError,), "truncated"),
    ((ConnectError, DownloadFailedError), "connect-error"),
)


def failure_reason(failure) -> str:
    """Ledger `rule` of a download that produced no response."""
    for types, rule in FAILURE_RULES:
        if isinstance(failure.value, types):
            return rule
    return f"error:{type(failure.value).__name__}"


class GovSiteSpider(scrapy.Spider):
    name = "generic"
    trap_rules = TRAP_RULES

    def __init__(self, job: CrawlJob, start: CrawlStart | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        start = start or CrawlStart()
        self.job = job
        self.start_state = start
        self.scope = self.make_scope()
        self.seen: set[str] = set(start.seen)
        self.replayable = dict(start.replayable)
        self.scheduled = start.scheduled
        self.fetched_bytes = start.fetched_bytes
        self.done = start.done
        self.robots: dict[str, ProtegoRobotParser | None] = {
            origin: self.robots_parser(body) for origin, body in start.robots.items()}
        self.waiting: dict[str, list[Request]] = {}   # origin → requests held for its robots.txt
        self.robots_in_flight: set[str] = set()
        self.started = time.monotonic()
        self.max_seconds = getattr(job.settings, "max_seconds", None)
        self.recrawl = start.recrawl       # migrate.crawl.recrawl.Recrawl when re-crawling

    # ------------------------------------------------------------------ setup

    def make_scope(self) -> Scope:
        settings = self.job.settings
        return Scope(self.job.hosts, settings.max_depth, settings.max_pages, settings.max_bytes,
                     trap_rules=self.trap_rules, primary=host_of(self.job.start_urls[0]))

    async def start(self):
        batch, requests = LedgerBatch(), []
        # robots.txt first: the other pending URLs of a host wait for it
        pending_urls = sorted(self.start_state.pending, key=lambda p: self.role_of_pending(p) != ROBOTS)
        for pending in pending_urls:
            requests.extend(self.pending_requests(pending, batch))
        for pending in self.start_state.recheck:
            requests.extend(self.readmit(pending, batch))
        for url in self.job.start_urls:
            requests.extend(self.discover(None, 0, [FoundLink(url, "", "start")], batch))
        yield batch
        for request in requests:
            yield request

    def pending_requests(self, pending: PendingUrl, batch: LedgerBatch) -> list[Request]:
        """A URL an interrupted crawl had queued (or failed on): ask again."""
        role = self.role_of_pending(pending)
        request = self.make_request(pending.url, pending.raw_url, pending.depth, pending.link_text or "", role, role)
        return [request] if role == ROBOTS else self.gate(request, batch)

    def readmit(self, pending: PendingUrl, batch: LedgerBatch) -> list[Request]:
        """A URL an earlier run left out for a cap: ask again if this run's budget allows."""
        rule = self.exclusion(pending.url, pending.depth)
        if rule:
            batch.outcomes.append({"url": pending.url, "state": "excluded", "rule": rule})
            return []
        batch.outcomes.append({"url": pending.url, "state": "queued", "rule": None})
        self.scheduled += 1
        return self.pending_requests(pending, batch)

    def role_of_pending(self, pending: PendingUrl) -> str:
        path = urlsplit(pending.url).path.lower()
        if path == "/robots.txt":
            return ROBOTS
        if pagination.is_dataproxy(pending.url):
            return DATAPROXY
        if is_sitemap(pending.url, pending.found_on):
            return SITEMAP
        return PAGE

    @staticmethod
    def role_of_link(url: str) -> str:
        """The role of a URL found by a source that does not set one: a Hanweb dataproxy answer
        or an XML sitemap is read as one however it was found (a plain link to it, as a resumed
        queue reads it), else a page."""
        if pagination.is_dataproxy(url):
            return DATAPROXY
        return SITEMAP if is_sitemap(url) else PAGE

    # ------------------------------------------------------------------ discovery → requests

    def discover(self, parent: str | None, depth: int, links: Iterable[FoundLink],
                 batch: LedgerBatch) -> list[Request]:
        """Record `links` found on `parent` and request the new ones in scope (at `depth`)."""
        requests = []
        for link in links:
            if self.scope.mirrors:
                link = link._replace(url=self.scope.to_primary(link.url))
            key = canonical_key(link.url)
            if parent and key != parent and link.source in LINK_TABLE_SOURCES and self.scope.on_site_key(key):
                batch.links.append((parent, key, link.text))
            if key in self.seen:
                continue
            self.seen.add(key)
            requests.extend(self.admit(key, link, parent, depth, batch))
        return requests

    def admit(self, key: str, link: FoundLink, parent: str | None, depth: int,
              batch: LedgerBatch) -> list[Request]:
        row = {"url": key, "raw_url": link.url, "found_on": parent, "link_text": link.text or None,
               "depth": depth, "state": "queued", "rule": None}
        rule = self.exclusion(key, depth)
        if rule:
            row.update(state="excluded", rule=rule)
            batch.discovered.append(row)
            clean = without_session_id(link.url) if rule == "trap:session-id" else None
            return self.discover(parent, depth, [link._replace(url=clean)], batch) if clean else []
        batch.discovered.append(row)
        self.scheduled += 1
        role = ROLE_OF_SOURCE.get(link.source) or self.role_of_link(link.url)
        request = self.make_request(key, link.url, depth, link.text, link.source, role)
        return [request] if role == ROBOTS else self.gate(request, batch)

    def exclusion(self, key: str, depth: int) -> str | None:
        return self.scope.exclusion(key, depth, self.scheduled, self.fetched_bytes) or self.time_rule()

    def time_rule(self) -> str | None:
        """`max-time` once the township's time budget (`crawl.max_seconds`) is spent."""
        if self.max_seconds and time.monotonic() - self.started >= self.max_seconds:
            return "max-time"
        return None

    def cap_rule(self) -> str | None:
        """The cap that stops a queued request from being sent (see CapsMiddleware), or None."""
        max_bytes = self.job.settings.max_bytes
        if max_bytes and self.fetched_bytes >= max_bytes:
            return "max-bytes"
        return self.time_rule()

    def make_request(self, key: str, url: str, depth: int, text: str, source: str, role: str) -> Request:
        meta = {"key": key, "depth": depth, "text": text, "source": source, "role": role,
                "handle_httpstatus_all": True, "dont_redirect": True}
        if self.job.proxy:
            meta["proxy"] = self.job.proxy
        if key in self.replayable:
            meta["replay"] = self.replayable.pop(key)
        if role == ROBOTS:
            self.robots_in_flight.add(origin_of(key))
        callback = {ROBOTS: self.parse_robots, SITEMAP: self.parse_sitemap,
                    DATAPROXY: self.parse_dataproxy}.get(role, self.parse_page)
        common = dict(callback=callback, errback=self.on_error, meta=meta, priority=-depth, dont_filter=True)
        if role == DATAPROXY and pagination.is_range_request(url):
            return FormRequest(url, formdata=pagination.dataproxy_from_url(url).form, **common)
        if is_browser_safe(url):
            # Scrapy would run it through `safe_url_string` again, for nothing (a fifth of the
            # cost of a request); our requests bypass its duplicate filter, whose fingerprint
            # is the only other thing this meta key changes.
            meta["verbatim_url"] = True
        return Request(url, **common)

    # ------------------------------------------------------------------ robots.txt

    def robots_parser(self, body: bytes | None) -> ProtegoRobotParser | None:
        return ProtegoRobotParser(body, self) if body else None

    def robots_allow(self, origin: str, url: str) -> bool:
        parser = self.robots.get(origin)
        obey = self.job.obey_robots
        return not obey or parser is None or parser.allowed(url, self.job.settings.user_agent)

    def gate(self, request: Request, batch: LedgerBatch) -> list[Request]:
        """Let `request` through once its host's robots.txt is known (asking for it if needed)."""
        origin = origin_of(request.meta["key"])
        requests = []
        if origin not in self.robots and origin not in self.robots_in_flight:
            requests = self.discover(None, 0, [FoundLink(origin + "/robots.txt", "", "robots")], batch)
            if origin not in self.robots_in_flight:   # robots.txt excluded by a cap: no rules
                self.robots[origin] = None
        if origin in self.robots:
            if self.robots_allow(origin, request.url):
                return requests + [request]
            self.exclude_by_robots(request, batch)
            return requests
        self.waiting.setdefault(origin, []).append(request)
        return requests

    def exclude_by_robots(self, request: Request, batch: LedgerBatch):
        self.scheduled -= 1
        self.add_outcome(batch, {"url": request.meta["key"], "state": "excluded", "rule": "robots"})

    def release(self, origin: str, batch: LedgerBatch) -> list[Request]:
        """Requests that waited for `origin`'s robots.txt, minus those it forbids."""
        released = []
        for request in self.waiting.pop(origin, []):
            if self.robots_allow(origin, request.url):
                released.append(request)
            else:
                self.exclude_by_robots(request, batch)
        return released

    # ------------------------------------------------------------------ outcomes

    def outcome(self, response) -> dict:
        """The ledger fields of one archived response."""
        meta = response.meta
        stored = meta.get("warc")
        status = response.status
        declared = media_type(response.headers.get(b"Content-Type", b"").decode("latin-1"))
        disposition = response.headers.get(b"Content-Disposition")
        content_type, lie = declared, None
        if status == 200:
            content_type, lie = effective_type(declared, response.body, is_attachment_disposition(disposition))
        kind = self.kind(response, content_type, disposition)
        row = {"url": meta["key"], "state": "fetched", "status": status, "content_type": content_type,
               "kind": kind, "redirect_to": self.redirect_target(response), "fetched_at": now_iso(),
               "filename": None if kind == "page" else file_name(response.url, disposition, meta.get("text")),
               "rule": mislabelled_rule(lie) if lie else None}
        if stored is None:
            row.update(state="failed", rule="not-archived")
            return row
        row.update(length=stored.length, payload_digest=stored.payload_digest, sha256=stored.sha256,
                   warc_file=stored.warc_file, warc_offset=stored.warc_offset,
                   revisit_of=canonical_key(stored.revisit_of) if stored.revisit_of else None)
        if status >= 500:
            row.update(state="failed", rule=f"http-{status}")
        self.fetched_bytes += stored.length
        return row

    def kind(self, response, content_type: str | None, disposition: bytes | None) -> str:
        if response.meta.get("role", PAGE) != PAGE:
            return "other"
        if response.status == 200 and self.is_html(response, content_type, disposition):
            return "page"
        return kind_of(response.url, response.status, content_type, disposition, response.meta.get("source"))

    def is_html(self, response, content_type: str | None, disposition: bytes | None = None) -> bool:
        """`content_type` is the type the bytes show (see `migrate.crawl.verdicts`)."""
        return content_type in PAGE_TYPES and not is_attachment_disposition(disposition)

    def redirect_target(self, response) -> str | None:
        location = response.headers.get(b"Location") if 300 <= response.status < 400 else None
        if not location:
            return None
        target = absolute(location.decode("latin-1"), response.url)
        return canonical_key(target) if target else None

    def finish(self, batch: LedgerBatch, row: dict) -> LedgerBatch:
        self.add_outcome(batch, row)
        self.done += 1
        return batch

    def add_outcome(self, batch: LedgerBatch, row: dict):
        """The ledger outcome of one URL; a re-crawl compares it with the earlier one first."""
        if self.recrawl is not None:
            row, change = self.recrawl.settle(row)
            if change:
                batch.changes.append(change)
            if row is None:
                return
        batch.outcomes.append(row)

    # ------------------------------------------------------------------ callbacks

    def parse_page(self, response):
        row = self.outcome(response)
        batch = LedgerBatch()
        if row["kind"] == "page" and response.status == 200 and self.is_soft_404(response):
            row.update(kind="other", rule="soft-404")    # a missing page that answers 200: no links
        requests = self.follow(response, row, batch) if row["state"] == "fetched" else []
        response.meta.pop(DOCUMENT, None)
        yield self.finish(batch, row)
        yield from requests

    def is_soft_404(self, response) -> bool:
        doc = self.document(response)[0]
        return doc is not None and document_is_soft_404(doc, len(response.body))

    def follow(self, response, row: dict, batch: LedgerBatch) -> list[Request]:
        key, depth = row["url"], response.meta["depth"] + 1
        if row["redirect_to"]:
            location = absolute(response.headers.get(b"Location").decode("latin-1"), response.url)
            return self.discover(key, depth, [FoundLink(location, "", "redirect")], batch)
        if response.status != 200:
            return []
        if row["kind"] == "asset":
            read = {"css": self.stylesheet_links, "js": self.script_file_links}.get(
                self.asset_language(response, row["content_type"]))
            return self.discover(key, depth, read(response), batch) if read else []
        if row["kind"] != "page":
            return []
        if self.recrawl is not None:
            batch.relink.append(key)      # the page's links as they are now replace the earlier ones
        return self.discover(key, depth, self.page_links(response), batch)

    def decode(self, response) -> tuple[str, str]:
        declared = response.headers.get(b"Content-Type", b"").decode("latin-1")
        return decode_page(response.body, charset_from_content_type(declared), self.job.encoding)

    def document(self, response):
        """(lxml document or None, link encoding) of an HTML response, parsed once per response."""
        if DOCUMENT not in response.meta:
            text, encoding = self.decode(response)
            response.meta[DOCUMENT] = (parse_html(text), encoding)
        return response.meta[DOCUMENT]

    def page_links(self, response) -> list[FoundLink]:
        """Every link of an HTML page: markup, refresh, scripts, generated list pages, and last
        the file paths quoted in scripts (a guess: whatever else names a URL says what it is)."""
        doc, encoding = self.document(response)
        if doc is None:
            return []
        base = base_of(doc, response.url)
        scripts = script_texts(doc)
        links = markup_links(doc, base, encoding)
        links += fallback_links(doc, base, encoding)
        links += refresh_links(doc, base, encoding)
        links += script_links(doc, base, encoding, scripts)
        links += self.pagination_links(response, doc, scripts, links, encoding)
        links += script_file_links(scripts, base, encoding)
        return first_mentions(links)

    def asset_language(self, response, content_type: str | None) -> str | None:
        """"css", "js" or None: by the type a server sent, or by the file's name when the server
        does not say (IIS sends old sites' .css and .js as application/octet-stream or text/plain)."""
        for language, types in ASSET_LANGUAGES.items():
            if content_type in types:
                return language
        if content_type in UNSAID_TYPES:
            suffix = urlsplit(response.url).path.lower().rpartition(".")[2]
            return suffix if suffix in ASSET_LANGUAGES else None
        return None

    def stylesheet_links(self, response) -> list[FoundLink]:
        """Background images, fonts and imported sheets a stylesheet loads (a replayed page
        needs them; the pages never name them)."""
        text, _ = self.decode(response)
        return stylesheet_links(text, response.url)

    def script_file_links(self, response) -> list[FoundLink]:
        """Quoted file paths in a script file (`discovery.script_file_links`), only those that
        are absolute or from the site's root: a relative one is relative to whichever page runs
        the script, not to the script."""
        text, _ = self.decode(response)
        return script_file_links([text], response.url, rooted_only=True)

    def pagination_links(self, response, doc, scripts: list[str], links: list[FoundLink],
                         encoding: str) -> list[FoundLink]:
        found = []
        trs = pagination.trs_paging(scripts)
        if trs:
            found += [FoundLink(url, "", "pagination") for url in pagination.trs_page_urls(trs, response.url)]
        hanweb = pagination.hanweb_list(doc, scripts)
        if hanweb:
            found += pagination.record_links(hanweb.records, response.url, encoding, "datastore")
            found += [FoundLink(url, "", "jpage") for url in pagination.hanweb_requests(hanweb, response.url)]
        found += [FoundLink(url, "", "pagination") for url in pagination.query_page_urls(links)]
        return found

    def parse_dataproxy(self, response):
        """A Hanweb dataproxy answer: its records, and the next group (`<nextgroup>` or range)."""
        row = self.outcome(response)
        batch, requests = LedgerBatch(), []
        if row["state"] == "fetched" and response.status == 200:
            text, encoding = self.decode(response)
            answer = pagination.parse_dataproxy(text)
            links = pagination.record_links(answer.records, response.url, encoding, "dataproxy")
            links += [FoundLink(url, "", "jpage") for url in pagination.dataproxy_followups(response.url, answer)]
            requests = self.discover(row["url"], response.meta["depth"] + 1, links, batch)
        yield self.finish(batch, row)
        yield from requests

    def parse_robots(self, response):
        row = self.outcome(response)
        batch = LedgerBatch()
        origin = origin_of(row["url"])
        body = response.body if response.status == 200 and row["state"] == "fetched" else None
        if response.status == 304 and self.recrawl is not None:     # unchanged: the archived rules hold
            body = self.recrawl.previous_body(row["url"])
        self.robots[origin] = self.robots_parser(body)
        self.robots_in_flight.discard(origin)
        requests = self.release(origin, batch)
        sitemaps = list(sitemap_urls_from_robots(body, base_url=response.url)) if body else []
        sitemaps.append(origin + "/sitemap.xml")
        links = [FoundLink(url, "", "sitemap") for url in sitemaps]
        requests += self.discover(row["url"], 1, links, batch)
        yield self.finish(batch, row)
        yield from requests

    def parse_sitemap(self, response):
        row = self.outcome(response)
        batch, requests = LedgerBatch(), []
        if row["state"] == "fetched" and response.status == 200:
            requests = self.discover(row["url"], response.meta["depth"] + 1, self.sitemap_links(response), batch)
        yield self.finish(batch, row)
        yield from requests

    def sitemap_links(self, response) -> list[FoundLink]:
        body = gunzip(response.body) if gzip_magic_number(response) else response.body
        try:
            sitemap = Sitemap(body)
        except Exception:  # noqa: BLE001 - lxml raises several kinds on non-XML answers
            return []
        source = "sitemap" if sitemap.type == "sitemapindex" else "sitemap-url"
        return [FoundLink(entry["loc"], "", source) for entry in sitemap if entry.get("loc")]

    def on_error(self, failure):
        request = failure.request
        meta = request.meta
        batch = LedgerBatch()
        requests = []
        if meta.get("role") == ROBOTS:
            origin = origin_of(meta["key"])
            self.robots[origin] = None
            self.robots_in_flight.discard(origin)
            requests = self.release(origin, batch)
        cap = meta.get(CapsMiddleware.CAP_META) if failure.check(IgnoreRequest) else None
        if cap:
            # never sent: the budget was spent while it waited in the queue
            self.scheduled -= 1
            self.add_outcome(batch, {"url": meta["key"], "state": "excluded", "rule": cap})
            yield batch
        else:
            row = {"url": meta["key"], "state": "failed", "rule": failure_reason(failure),
                   "kind": kind_of(request.url, None, None, None, meta.get("source")), "fetched_at": now_iso()}
            self.logger.warning("下载失败 %s：%s", request.url, row["rule"])
            yield self.finish(batch, row)
        yield from requests
