"""Article bodies on the new site: links and images pointing at the old sites are rewritten to
their new pages and files; a link to an old page that has no new page becomes plain text with a
note (a broken link costs points at inspection), and links elsewhere on the web are kept.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from migrate.build.model import Article, FileLink
from migrate.build.targets import Target, asset_filename
from migrate.newurls import quote_path
from migrate.urls import canonical_url, host_of

LINK_ATTRS = {"a": "href", "area": "href"}
# Alternate sources would still point at the old sites; the rewritten `src` is enough.
DROPPED_ATTRS = ("srcset", "poster", "longdesc")
MEDIA_ATTRS = {"img": "src", "source": "src", "video": "src", "audio": "src", "embed": "src"}
SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "#")
DEAD_LINK_NOTE = "（原链接已失效）"
DEAD_MEDIA_NOTE = "（原图片未能迁移）"


@dataclass
class LinkResolver:
    """Old URL → new site path, knowing which hosts belonged to the old township sites."""
    targets: dict[str, Target]
    old_hosts: set[str]

    def lookup(self, url: str) -> tuple[str, str | None]:
        """('external', None) | ('moved', new path with fragment) | ('gone', None)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return "external", None
        key = canonical_url(url)
        target = self.targets.get(key)
        if target is not None and target.path is not None:
            fragment = f"#{parts.fragment}" if parts.fragment and target.kind == "article" else ""
            return "moved", quote_path(target.path) + fragment
        if target is not None or host_of(url) in self.old_hosts:
            return "gone", None
        return "external", None

    def path_of(self, url: str) -> str | None:
        target = self.targets.get(canonical_url(url)) if url else None
        return target.path if target is not None else None


def _absolute(value: str, page_url: str) -> str | None:
    value = (value or "").strip()
    if not value or value.lower().startswith(SKIP_SCHEMES):
        return None
    return urljoin(page_url, value)


def _note(text: str):
    span = etree.Element("span", {"class": "link-note"})
    span.text = text
    return span


def _unwrap_dead_link(element):
    """Replace `<a>` by a `<span>` with the same content plus a note, keeping the tail."""
    element.tag = "span"
    for name in list(element.attrib):
        del element.attrib[name]
    element.set("class", "dead-link")
    element.append(_note(DEAD_LINK_NOTE))


def _replace_dead_media(element):
    alt = (element.get("alt") or "").strip()
    note = _note(f"（原图片“{alt}”未能迁移）" if alt else DEAD_MEDIA_NOTE)
    note.tail = element.tail
    element.getparent().replace(element, note)


def _rewrite_tree(root, page_url: str, resolver: LinkResolver) -> set[str]:
    """Rewrite in place; returns canonical old URLs of the media shown in the body."""
    shown = set()
    for element in list(root.iter(*LINK_ATTRS, *MEDIA_ATTRS)):
        attr = LINK_ATTRS.get(element.tag) or MEDIA_ATTRS[element.tag]
        for name in DROPPED_ATTRS:
            element.attrib.pop(name, None)
        url = _absolute(element.get(attr), page_url)
        if url is None:
            continue
        state, new = resolver.lookup(url)
        if state == "moved":
            element.set(attr, new)
        elif state == "gone":
            if element.tag in LINK_ATTRS:
                _unwrap_dead_link(element)
            else:
                _replace_dead_media(element)
        if element.tag in MEDIA_ATTRS:
            shown.add(canonical_url(url))
    return shown


def _serialize_children(root) -> str:
    parts = [html.escape(root.text, quote=False)] if root.text else []
    parts.extend(lxml.html.tostring(child, encoding="unicode") for child in root)
    return "".join(parts)


def rewrite_body(body_html: str, page_url: str, resolver: LinkResolver) -> tuple[str, set[str]]:
    """(rewritten HTML, canonical URLs of the images the body shows)."""
    if not (body_html or "").strip():
        return "", set()
    root = lxml.html.fragment_fromstring(body_html, create_parent="div")
    shown = _rewrite_tree(root, page_url, resolver)
    return _serialize_children(root), shown


def text_to_html(text: str) -> str:
    """Plain body text as paragraphs, for records whose HTML body is empty."""
    paragraphs = [p.strip() for p in (text or "").splitlines() if p.strip()]
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def _file_links(items, resolver: LinkResolver) -> list[FileLink]:
    links, seen = [], set()
    for url, name in items:
        key = canonical_url(url)
        if key in seen:
            continue
        seen.add(key)
        links.append(FileLink(name=name, old_url=key, path=resolver.path_of(url)))
    return links


def prepare_article(article: Article, resolver: LinkResolver):
    """Fill in the article's rewritten body, attachment list and extra images."""
    record = article.record
    body, shown = rewrite_body(record.get("body_html") or "", article.old_url, resolver)
    article.body_html = body or text_to_html(record.get("body_text") or "")
    attachments = [(a["url"], (a.get("name") or "").strip() or asset_filename(a["url"], {}))
                   for a in record.get("attachments") or [] if a.get("url")]
    article.attachments = _file_links(attachments, resolver)
    extra = [(u, article.title) for u in record.get("images") or [] if u and canonical_url(u) not in shown]
    article.images = _file_links(extra, resolver)
