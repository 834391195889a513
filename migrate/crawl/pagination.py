"""List pages that exist but are not linked from the HTML.

- TRS WCM: `createPageHTML(count, current, "index", "html")` (also the 6-argument form with a
  div id and a record count, and `var countPage = N`) → `index_1.html` … `index_{N-1}.html`.
- Hanweb JCMS: the first list page embeds its records in `<script type="text/xml"><datastore>`;
  the rest come from `/module/web/jpage/dataproxy.jsp` (POST `startrecord`, `endrecord`,
  `perpage` plus the column parameters), answering XML with `<totalrecord>` and CDATA records.
- Hand-made ASP/PHP lists: `list.asp?classid=5&page=N` with only a few page numbers linked.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from migrate.crawl.discovery import FoundLink, absolute, markup_links

MAX_GENERATED_PAGES = 5000

# ---------------------------------------------------------------------- TRS

# Comments and string literals in one pass, so `//` inside 'http://...' is not a comment.
# `<!--` and `-->` at a line start are single-line comments in browsers' JavaScript.
JS_COMMENT_OR_STRING = re.compile(
    r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|/\*.*?\*/|//[^\n]*|<!--[^\n]*|^\s*-->[^\n]*""",
    re.S | re.M)
CREATE_PAGE = re.compile(r"\bcreatePageHTML\s*\(([^()]*)\)")
NUMBER_VAR = re.compile(r"""\bvar\s+(\w+)\s*=\s*["']?(\d+)["']?""")
QUOTED = re.compile(r"""^\s*(["'])(.*)\1\s*$""")


def strip_js_comments(script: str) -> str:
    return JS_COMMENT_OR_STRING.sub(lambda m: m.group(1) or "", script)


@dataclass
class TrsPaging:
    count: int
    name: str | None = None
    ext: str | None = None


def _trs_call(args: str, variables: dict[str, int]) -> TrsPaging | None:
    numbers, strings = [], []
    for arg in args.split(","):
        arg = arg.strip()
        quoted = QUOTED.match(arg)
        if quoted:
            strings.append(quoted.group(2))
        elif arg.isdigit():
            numbers.append(int(arg))
        elif arg in variables:
            numbers.append(variables[arg])
    if not numbers or len(strings) < 2:
        return None
    # 4 arguments: (count, current, name, ext); 6: (div id, count, current, name, ext, records)
    return TrsPaging(numbers[0], strings[-2], strings[-1])


def trs_paging(scripts: list[str]) -> TrsPaging | None:
    """The page count (and file name pattern) a TRS list page declares in its scripts."""
    if not any("createPageHTML" in script or "countPage" in script for script in scripts):
        return None     # the usual page: nothing to look for (and no comments to strip)
    variables: dict[str, int] = {}
    calls = []
    for script in scripts:
        code = strip_js_comments(script)
        variables.update({name: int(value) for name, value in NUMBER_VAR.findall(code)})
        calls.extend(CREATE_PAGE.findall(code))
    for args in calls:
        paging = _trs_call(args, variables)
        if paging:
            return paging
    if "countPage" in variables:
        return TrsPaging(variables["countPage"])
    return None


def trs_page_urls(paging: TrsPaging, page_url: str) -> list[str]:
    """`index_1.html` … `index_{count-1}.html` next to `page_url`."""
    path = urlsplit(page_url).path
    stem_ext = path.rsplit("/", 1)[-1].rsplit(".", 1)
    ext = paging.ext or (stem_ext[1] if len(stem_ext) == 2 else "html")
    name = paging.name or "index"
    count = min(paging.count, MAX_GENERATED_PAGES)
    return [urljoin(page_url, f"{name}_{i}.{ext}") for i in range(1, count)]


# ---------------------------------------------------------------------- Hanweb

RECORD = re.compile(r"<record[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
NEXT_GROUP = re.compile(r"<nextgroup[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
JPAGE_OPTION = re.compile(
    r"""\b(proxyUrl|perPage|totalRecord|groupSize)\s*[:=]\s*["']?([^"',}\s;]+)""", re.I)
AJAX_PARAMS = re.compile(r"\b(?:ajaxParam|ajaxParams|params|param)\s*:\s*\{([^{}]*)\}", re.I)
KEY_VALUE = re.compile(r"""["']?(\w+)["']?\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,\s}]+))""")
HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)
DATAPROXY_PATH = "/module/web/jpage/dataproxy.jsp"
RANGE_KEYS = ("startrecord", "endrecord", "perpage")


@dataclass
class HanwebList:
    """A Hanweb first list page: its embedded records and how to ask for the rest."""
    records: list[str]                       # HTML fragments, one per record
    proxy_url: str = DATAPROXY_PATH
    params: dict[str, str] = field(default_factory=dict)
    per_page: int | None = None
    group_size: int | None = None
    total: int | None = None
    next_group: str | None = None            # `<nextgroup>` link: the site's own next request

    @property
    def step(self) -> int:
        """Records per dataproxy request: a group of pages, as jpage asks."""
        if self.per_page and self.group_size:
            return self.per_page * self.group_size
        if self.records:
            return len(self.records)
        return (self.per_page or 15) * 3


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _jpage_options(scripts: list[str], found: HanwebList):
    for script in scripts:
        if "jpage" not in script.lower() and "dataproxy" not in script.lower():
            continue
        code = strip_js_comments(script)
        for key, value in JPAGE_OPTION.findall(code):
            key = key.lower()
            if key == "proxyurl":
                found.proxy_url = value
            elif key == "perpage":
                found.per_page = _int(value) or found.per_page
            elif key == "totalrecord":
                found.total = _int(value) if _int(value) is not None else found.total
            elif key == "groupsize":
                found.group_size = _int(value) or found.group_size
        for block in AJAX_PARAMS.findall(code):
            for key, *values in KEY_VALUE.findall(block):
                found.params[key] = next((v for v in values if v), "")


def next_group_href(xml: str) -> str | None:
    """The link in `<nextgroup>` (empty on the last group). The CDATA holds HTML, so `&amp;` in
    the attribute means `&`."""
    for cdata in NEXT_GROUP.findall(xml):
        for href in HREF.findall(cdata):
            return html.unescape(href)
    return None


def _next_group_params(datastore: str, found: HanwebList):
    """`<nextgroup>` holds a dataproxy link carrying the column parameters."""
    href = next_group_href(datastore)
    if not href:
        return
    found.next_group = found.next_group or href
    parts = urlsplit(href)
    if parts.path:
        found.proxy_url = parts.path
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() not in RANGE_KEYS + ("page",):
            found.params.setdefault(key, value)


def hanweb_list(doc, scripts: list[str]) -> HanwebList | None:
    """The Hanweb list data of a page, or None if the page embeds no `<datastore>`."""
    stores = [s.text for s in doc.iter("script") if s.get("type") in ("text/xml", "text/XML")
              and s.text and "<datastore" in s.text.lower()]
    if not stores:
        return None
    found = HanwebList(records=[])
    for store in stores:
        found.records.extend(RECORD.findall(store))
        total = TOTAL_RECORD.search(store)
        if total:
            found.total = int(total.group(1))
        _next_group_params(store, found)
    _jpage_options(scripts, found)
    return found


def record_links(fragments: list[str], base: str, encoding: str, source: str) -> list[FoundLink]:
    """Links inside Hanweb record fragments (`<li><a href=…>title</a><span>date</span></li>`)."""
    links = []
    for fragment in fragments:
        try:
            root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        except (etree.ParserError, ValueError):
            continue
        links.extend(FoundLink(link.url, link.text, source)
                     for link in markup_links(root, base, encoding) if link.source in ("a", "area", "img"))
    return links


@dataclass
class DataproxyPage:
    """One dataproxy request. `url` carries every parameter, so it is also the ledger key
    (one key per column and range); the same parameters go in the POST form."""
    url: str
    form: dict[str, str]
    start: int
    end: int


def dataproxy_page(proxy_url: str, params: dict[str, str], start: int, step: int) -> DataproxyPage:
    end = start + step - 1
    form = {"startrecord": str(start), "endrecord": str(end), "perpage": params.get("perpage") or str(step)}
    form.update({k: v for k, v in params.items() if k.lower() not in RANGE_KEYS})
    parts = urlsplit(proxy_url)
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(form), ""))
    return DataproxyPage(url, form, start, end)


def dataproxy_pages(found: HanwebList, page_url: str) -> list[DataproxyPage]:
    """POST requests for the records not embedded in the page: all at once when the total is
    known, else the next group (its answer says the total)."""
    proxy = absolute(found.proxy_url, page_url) or urljoin(page_url, DATAPROXY_PATH)
    params = dict(found.params)
    if found.per_page:
        params["perpage"] = str(found.per_page)
    step = max(1, found.step)
    first = len(found.records) + 1
    if found.total is None:
        return [dataproxy_page(proxy, params, first, step)]
    last = min(found.total, first - 1 + step * MAX_GENERATED_PAGES)
    return [dataproxy_page(proxy, params, start, step) for start in range(first, last + 1, step)]


def hanweb_requests(found: HanwebList, page_url: str) -> list[str]:
    """URLs for the rest of a Hanweb list: the site's own `<nextgroup>` link (a GET chain, each
    answer naming the next) when it gives one, else POST ranges up to `totalRecord`."""
    if found.next_group:
        url = absolute(found.next_group, page_url)
        return [url] if url else []
    if found.total is not None and found.total <= len(found.records):
        return []
    return [page.url for page in dataproxy_pages(found, page_url)]


def is_dataproxy(url: str) -> bool:
    return urlsplit(url).path.lower().endswith("/dataproxy.jsp")


def is_range_request(url: str) -> bool:
    """A dataproxy URL of our POST form (`startrecord=`), as opposed to the site's GET links."""
    return "startrecord" in {k.lower() for k, _ in parse_qsl(urlsplit(url).query)}


def dataproxy_from_url(url: str) -> DataproxyPage:
    """Rebuild a POST dataproxy request from its ledger key (for follow-ups and resumes)."""
    form = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    start, end = _int(form.get("startrecord")) or 1, _int(form.get("endrecord")) or 1
    return DataproxyPage(url, form, start, end)


@dataclass
class DataproxyAnswer:
    records: list[str]
    total: int | None
    next_group: str | None


def parse_dataproxy(text: str) -> DataproxyAnswer:
    """Record fragments, `<totalrecord>` and `<nextgroup>` link of a dataproxy answer."""
    total = TOTAL_RECORD.search(text)
    return DataproxyAnswer(RECORD.findall(text), int(total.group(1)) if total else None, next_group_href(text))


def next_dataproxy_page(current: DataproxyPage, total: int | None) -> DataproxyPage | None:
    if total is None or current.end >= total:
        return None
    proxy = urlunsplit(urlsplit(current.url)._replace(query=""))
    params = {k: v for k, v in current.form.items() if k not in ("startrecord", "endrecord")}
    return dataproxy_page(proxy, params, current.end + 1, current.end - current.start + 1)


def dataproxy_followups(url: str, answer: DataproxyAnswer) -> list[str]:
    """The request after a dataproxy answer: its `<nextgroup>` link, else the next POST range."""
    if answer.next_group:
        following = absolute(answer.next_group, url)
        return [following] if following else []
    if is_range_request(url):
        page = next_dataproxy_page(dataproxy_from_url(url), answer.total)
        return [page.url] if page else []
    return []


# ---------------------------------------------------------------------- page=N lists

PAGE_KEYS = {"page", "pagenum", "pageno", "pageindex", "curpage", "currentpage", "cpage", "page_no", "pagenumber"}


def query_page_urls(links: list[FoundLink]) -> list[str]:
    """All pages of `list.asp?classid=5&page=N`-style lists, from the page numbers linked.

    Lists often link only 1 2 3 … and the last page; the pages in between are generated."""
    groups: dict[tuple, dict] = defaultdict(lambda: {"numbers": set(), "template": None})
    for link in links:
        if link.source not in ("a", "area", "script-nav") or "page" not in link.url.lower():
            continue
        parts = urlsplit(link.url)
        # latin-1 both ways keeps percent-escaped GBK bytes as they were
        query = parse_qsl(parts.query, keep_blank_values=True, encoding="latin-1")
        paging = [(i, k) for i, (k, v) in enumerate(query) if k.lower() in PAGE_KEYS and v.isdigit()]
        if len(paging) != 1:
            continue
        index, key = paging[0]
        others = tuple(sorted(kv for i, kv in enumerate(query) if i != index))
        group = groups[(parts.scheme, parts.netloc, parts.path, key, others)]
        group["numbers"].add(int(query[index][1]))
        group["template"] = group["template"] or (parts, query, index)
    urls = []
    for group in groups.values():
        numbers = group["numbers"]
        if len(numbers) < 2:
            continue
        parts, query, index = group["template"]
        first, last = min(min(numbers), 2), min(max(numbers), MAX_GENERATED_PAGES)
        for n in range(first, last + 1):
            if n in numbers:
                continue
            page_query = list(query)
            page_query[index] = (query[index][0], str(n))
            urls.append(urlunsplit(parts._replace(query=urlencode(page_query, encoding="latin-1"))))
    return urls
