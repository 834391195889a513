"""What a complete, correct migration of the sample sites must find — computed from the same data
the sample server serves, so tests and `sitemigrate demo` can check the pipeline against it.

All URLs are in `migrate.urls.canonical_url` form on the www host (the key the ledger uses).

- `SITES`: town slug → name, hosts, start URL, column tree (name, path, list URLs, children).
- `ARTICLES`: one dict per article: town, url, title, date (YYYY-MM-DD, the publication date shown
  on the page), time (HH:MM when the visible date line shows a time, else None), meta_time
  (HH:MM from `<meta name="PubDate">`, else None), org (发布机构/发文机关 as shown,
  else the 来源), source (来源 or None), index_no (索引号 or None), doc_no (文号 or None),
  column_path (the breadcrumb without 首页), attachments [{url, name, sha256}], images [url],
  and extra_pages (later pages of an article split over several pages).
- `ATTACHMENTS`: every attachment, with town, article URL, size and MIME type.
- `TRAP_URL_PATTERNS`: URL patterns a crawler must not follow (calendar, print view, session id).
- `expected_archivable_urls(town)`: every URL a complete crawl archives: pages, every list page
  (including each later page that exists only as a dataproxy answer), attachments, images and
  template assets; never trap URLs, URLs robots.txt disallows, or links that answer 404.

The walk starts where a complete crawler starts: the homepage, robots.txt and /sitemap.xml
(sitemaps, and pages only a sitemap lists, are followed; robots.txt and sitemaps themselves are
not counted as site content).

qingshi's later list pages are GET requests to `dataproxy.jsp` in the form the first list page's
`<nextgroup>` writes (`?page=N&col=…&columnid=…&webname=…`, see `dataproxy_url`), except for the
columns in `qingshi.POST_COLUMNS`, whose first page names no next group: their later pages are
POST ranges, keyed by the URL carrying the posted fields (`qingshi.dataproxy_range_path`).
Each way of finding a URL is named in `migrate.samples.discovery_cases`.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from migrate.samples import qingshi
from migrate.samples.model import Column, SampleSite
from migrate.samples.sites import sample_sites
from migrate.urls import canonical_url, host_of

PAGE_KINDS = {"home": "page", "frame": "page", "article": "page", "article-page": "page", "tool": "page",
              "list": "list", "group": "list", "dataproxy": "list",
              "attachment": "attachment", "image": "image", "asset": "asset"}

TRAP_URL_PATTERNS = [
    {"town": "liuhe", "kind": "calendar", "pattern": r"/calendar\.asp\?(?:.*&)?date=",
     "example": "http://www.liuhe.yunxi.gov.cn/calendar.asp?date=2019-01-01"},
    {"town": "liuhe", "kind": "print", "pattern": r"[?&]print=1(?:&|$)",
     "example": "http://www.liuhe.yunxi.gov.cn/show.asp?id=24&print=1"},
    {"town": "liuhe", "kind": "session", "pattern": r"[?&]sid=[^&]+",
     "example": "http://www.liuhe.yunxi.gov.cn/main.asp?sid=5F3A9C2E71B4D8A6"},
]
INFRASTRUCTURE_KINDS = {"robots", "sitemap"}
_TRAPS = [re.compile(t["pattern"], re.IGNORECASE) for t in TRAP_URL_PATTERNS]


def is_trap_url(url: str) -> bool:
    return any(p.search(url) for p in _TRAPS)


def dataproxy_url(column_id: int, page: int) -> str:
    """Canonical URL of qingshi's list page `page` (≥ 2) of column `column_id`."""
    return canonical_url(f"http://{qingshi.Qingshi.hosts[0]}{qingshi.dataproxy_path(column_id, page)}")


def _column_tree(column: Column) -> dict:
    return {"name": column.name, "path": column.path,
            "list_urls": [canonical_url(u) for u in column.list_urls],
            "articles": len(column.articles),
            "children": [_column_tree(c) for c in column.children]}


def _article(site: SampleSite, art) -> dict:
    return {
        "town": site.slug,
        "url": canonical_url(art.url),
        "title": art.title,
        "date": f"{art.published:%Y-%m-%d}",
        "time": f"{art.published:%H:%M}" if art.show_time else None,
        "meta_time": f"{art.published:%H:%M}" if art.pubdate_meta else None,
        "org": art.shown_org,
        "source": art.source,
        "index_no": art.index_no,
        "doc_no": art.doc_no,
        "column_path": art.column.path,
        "attachments": [{"url": canonical_url(a.url), "name": a.name, "sha256": a.sha256} for a in art.attachments],
        "images": [canonical_url(p.url) for p in art.images],
        "extra_pages": [canonical_url(u) for u in art.more_urls],
    }


def _robots(site: SampleSite) -> RobotFileParser:
    parser = RobotFileParser()
    robots = site.resolve("/robots.txt")
    parser.parse(robots.body.decode("ascii").splitlines() if robots else [])
    return parser


def _in_site(site: SampleSite, url: str) -> str | None:
    """Canonical www-host form of `url` if it belongs to `site`, else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or host_of(url) not in site.hosts:
        return None
    return canonical_url(urlunsplit(("http", site.www, parts.path, parts.query, "")))


def _entry_points(site: SampleSite) -> list[str]:
    """Where a complete crawl starts: the homepage, robots.txt (naming sitemaps) and the
    conventional /sitemap.xml."""
    return [canonical_url(site.start_url), canonical_url(site.url("/robots.txt")),
            canonical_url(site.url("/sitemap.xml"))]


def _walk(site: SampleSite) -> tuple[dict[str, str], set[str], set[str]]:
    """Breadth-first walk of the served link graph from the entry points, the way a complete
    crawler walks it. Returns (url → kind, trap URLs met, broken URLs met); robots.txt and
    sitemaps are walked through but are not part of the site's content."""
    robots = _robots(site)
    broken_known = {canonical_url(u) for u in site.broken}
    start, *infrastructure = _entry_points(site)
    found: dict[str, str] = {}
    traps: set[str] = set()
    broken: set[str] = set()
    queue, seen = deque([start, *infrastructure]), {start, *infrastructure}
    while queue:
        url = queue.popleft()
        resource = site.resolve_url(url)
        if resource is None:
            if url in infrastructure:
                continue
            if url not in broken_known:
                raise AssertionError(f"{site.slug}: {url} is linked but not served")
            broken.add(url)
            continue
        if resource.kind not in INFRASTRUCTURE_KINDS:
            found[url] = PAGE_KINDS[resource.kind]
        for link in resource.links:
            target = _in_site(site, link)
            if target is None or target in seen:
                continue
            seen.add(target)
            if is_trap_url(target):
                traps.add(target)
            elif robots.can_fetch("*", target):
                queue.append(target)
    return found, traps, broken


def _build():
    sites, articles, attachments, walks = {}, [], [], {}
    for slug, site in sample_sites().items():
        sites[slug] = {"name": site.name, "hosts": list(site.hosts), "start_url": canonical_url(site.start_url),
                       "columns": [_column_tree(c) for c in site.columns]}
        for art in sorted(site.articles, key=lambda a: (a.published, a.url)):
            articles.append(_article(site, art))
            attachments += [{"town": slug, "url": canonical_url(a.url), "name": a.name, "sha256": a.sha256,
                             "size": len(a.data), "mime": a.mime, "article_url": canonical_url(art.url)}
                            for a in art.attachments]
        walks[slug] = _walk(site)
        unreached = {a["url"] for a in articles if a["town"] == slug} - set(walks[slug][0])
        if unreached:
            raise AssertionError(f"{slug}: articles no crawl can reach: {sorted(unreached)}")
    return sites, articles, attachments, walks


SITES, ARTICLES, ATTACHMENTS, _WALKS = _build()


def expected_urls_by_kind(town: str) -> dict[str, set[str]]:
    """`expected_archivable_urls` split into page, list, attachment, image and asset."""
    result: dict[str, set[str]] = {k: set() for k in ("page", "list", "attachment", "image", "asset")}
    for url, kind in expected_urls_kinds(town).items():
        result[kind].add(url)
    return result


def expected_urls_kinds(town: str) -> dict[str, str]:
    """Every expected URL → its kind (page, list, attachment, image, asset)."""
    return dict(_WALKS[town][0])


def expected_archivable_urls(town: str) -> set[str]:
    return set(_WALKS[town][0])


def trap_urls_linked(town: str) -> set[str]:
    """Trap URLs that the site links to directly (a crawler meets these and must exclude them)."""
    return set(_WALKS[town][1])


def broken_urls_linked(town: str) -> set[str]:
    """URLs the old site links to that answer 404 (dead links of the old site)."""
    return set(_WALKS[town][2])
