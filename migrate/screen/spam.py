"""Injected spam in the raw page: hidden link blocks, spam links, link farms, hijacking scripts.

Words alone never decide: a government page may well talk about 福利彩票 or 打击赌博. What marks an
injection is the combination of hiding, links that leave the government web, and vocabulary.
The page is parsed once; one walk collects the hidden blocks (not descending into them), the
visible links and the scripts, and every rule works on those lists.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from html import escape as html_escape
from urllib.parse import urlsplit

import lxml.html

from migrate.extract.page import parse_document
from migrate.screen.model import Finding, excerpt, excerpt_around
from migrate.screen.words import Vocabulary, is_government_host, strong, topic_label

CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
CSS_MEDIA = re.compile(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", re.I)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
SIMPLE_SELECTOR = re.compile(r"^[a-z0-9]*([.#])([\w-]+)$", re.I)
CSS_LENGTH = re.compile(r"^(-?\d*\.?\d+)(px|pt|em|rem|%|vw|vh)?$")
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
# Declarations worth parsing: everything else cannot hide an element.
HIDING_HINT = re.compile(r"none|hidden|collapse|opacity|font-size|-\d{3}|clip", re.I)
JS_HIDE = re.compile(r"""getElementById\(\s*['"]([\w-]+)['"]\s*\)\.style\.display\s*=\s*['"]none""", re.I)
SCRIPT_LINK = re.compile(r"""<a\s[^>]*?href\s*=\s*\\?['"]?(https?://[^'"\\\s>]+)""", re.I)
SCRIPT_REDIRECT = re.compile(
    r"""(?:location(?:\.href)?\s*=|location\.replace\(|location\.assign\(|window\.open\()\s*['"](https?://[^'"]+)""",
    re.I)
BLOCK_TAGS = {"p", "li", "td", "th", "tr", "div", "dd", "dt", "section", "footer", "header", "center",
              "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "marquee", "font", "span", "body"}
HIDE_OFFSET = -500          # px: further left/up than this is off screen on any display
FARM_MIN_LINKS = 10         # a block with this many external links to ...
FARM_MIN_DOMAINS = 5        # ... this many different sites ...
FARM_MIN_SHARE = 0.5        # ... making up this share of its links is a link farm
HIDDEN_MIN_LINKS = 3        # hidden external links without spam words: this many, or 2 sites
MAX_SNIPPET_SOURCE = 240


@dataclass
class Link:
    element: object
    href: str           # absolute for links off the page's host; as written for relative ones
    host: str
    kind: str           # internal | government | trusted | external

    @cached_property
    def text(self) -> str:
        """Anchor text and title, whitespace folded (computed only for links that are judged)."""
        text = " ".join(self.element.text_content().split()) if self.element.tag == "a" else ""
        title = self.element.get("title")
        return f"{text} {title}".strip() if title else text


@dataclass
class PageParts:
    hidden: list        # (element, reason) of the outermost hidden elements
    links: list[Link]   # links outside hidden elements
    scripts: list[str]


# ---------------------------------------------------------------- parsing and hiding

def parse_html(html: str):
    """The document root, parsed as the extract stage parses pages (leading crawler junk
    dropped, content after `</html>`, a favourite spot for injections, kept in the body)."""
    return parse_document(html or "")


def _length(value: str) -> float | None:
    """A CSS length in px (em taken as 16px), or None if it is not a plain length."""
    match = CSS_LENGTH.match(value.strip())
    if not match:
        return None
    number = float(match.group(1))
    return number * 16 if match.group(2) in ("em", "rem") else number


def _declarations(style: str) -> dict[str, str]:
    decls = {}
    for part in style.split(";"):
        name, sep, value = part.partition(":")
        if sep:
            value = value.lower().replace("!important", "").strip()
            decls[name.strip().lower()] = value
    return decls


def style_hiding(style: str) -> str | None:
    """Why these inline declarations hide an element (Chinese), or None if they do not."""
    if not style or not HIDING_HINT.search(style):
        return None
    d = _declarations(style)
    if d.get("display") == "none":
        return "display:none"
    if d.get("visibility") in ("hidden", "collapse"):
        return "visibility:hidden"
    if d.get("opacity") in ("0", "0.0", ".0", "0%"):
        return "opacity:0"
    size = _length(d.get("font-size", ""))
    if size is not None and size <= 1:
        return "字号为 0"
    clipped = any(d.get(k) == "hidden" for k in ("overflow", "overflow-x", "overflow-y"))
    if clipped:
        for key in ("height", "max-height", "width", "max-width"):
            value = _length(d.get(key, ""))
            if value is not None and value <= 1:
                return f"尺寸为 0（{key}:{d[key]}）"
    positioned = d.get("position") in ("absolute", "fixed", "relative")
    for key in ("left", "top", "margin-left", "margin-top", "text-indent"):
        if not positioned and key in ("left", "top"):
            continue
        value = _length(d.get(key, ""))
        if value is not None and value <= HIDE_OFFSET:
            return f"移出可视区域（{key}:{d[key]}）"
    clip = d.get("clip", "")
    if clip.startswith("rect(") and all((_length(v) or 0) <= 1 for v in re.split(r"[\s,]+", clip[5:-1]) if v):
        return "clip 裁剪为 0"
    return None


def _attribute_hiding(el) -> str | None:
    if el.get("hidden") is not None:
        return "hidden 属性"
    for key in ("width", "height"):
        value = el.get(key)
        if value is not None and el.tag in ("marquee", "iframe", "div", "span", "table", "font", "layer"):
            number = _length(value)
            if number is not None and number <= 1:
                return f"尺寸为 0（{key}=\"{value}\"）"
    return None


def hidden_selectors(root) -> dict[tuple[str, str], str]:
    """(`.`/`#`, name) -> hiding reason, from <style> blocks and display-none scripts."""
    selectors = {}
    for style in root.iter("style"):
        css = CSS_MEDIA.sub("", CSS_COMMENT.sub("", style.text_content() or ""))
        for selector_text, body in CSS_RULE.findall(css):
            reason = style_hiding(body)
            if not reason:
                continue
            for selector in selector_text.split(","):
                match = SIMPLE_SELECTOR.match(selector.strip())
                if match:
                    selectors[(match.group(1), match.group(2))] = f"样式表 {selector.strip()} 设为 {reason}"
    for script in root.iter("script"):
        for element_id in JS_HIDE.findall(script.text or ""):
            selectors[("#", element_id)] = "脚本设为 display:none"
    return selectors


def hiding_reason(el, selectors) -> str | None:
    reason = style_hiding(el.get("style") or "") or _attribute_hiding(el)
    if reason or not selectors:
        return reason
    element_id = el.get("id")
    if element_id and ("#", element_id) in selectors:
        return selectors[("#", element_id)]
    for name in (el.get("class") or "").split():
        if (".", name) in selectors:
            return selectors[(".", name)]
    return None


# ---------------------------------------------------------------- links

def _host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower() if parts.scheme in ("http", "https") else ""
    except ValueError:
        return ""


class LinkClassifier:
    def __init__(self, page_url: str | None, site_hosts, vocab: Vocabulary):
        self.base = page_url or ""
        self.own = {h.split(":")[0].lower() for h in site_hosts if h}
        if page_url:
            self.own.add(_host_of(page_url))
        self.vocab = vocab

    def resolve(self, href: str) -> tuple[str, str] | None:
        """(URL, host) of a web link; host is "" for a link on the same host, which is left as
        written (no need to resolve it). None for mailto:, javascript: and other non-web links."""
        href = (href or "").strip()
        if not href or href.startswith("#"):
            return None
        lowered = href[:8].lower()
        if lowered.startswith(("http://", "https://")):
            return href, _host_of(href)
        if href.startswith("//"):
            absolute = (self.base.split(":", 1)[0] if self.base else "http") + ":" + href
            return absolute, _host_of(absolute)
        if URL_SCHEME.match(href):
            return None
        return href, ""

    def kind(self, host: str) -> str:
        if not host or host in self.own:
            return "internal"
        if is_government_host(host):
            return "government"
        if self.vocab.is_trusted(host):
            return "trusted"
        return "external"

    def link(self, el, href: str) -> Link | None:
        resolved = self.resolve(href)
        if resolved is None:
            return None
        url, host = resolved
        return Link(el, url, host, self.kind(host))


def registrable(host: str) -> str:
    """Rough registrable domain (example.com, example.com.cn): enough to count distinct sites."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in ("com", "net", "org", "gov", "edu", "ac") and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


# ---------------------------------------------------------------- the walk

def split_page(root, selectors, classifier: LinkClassifier) -> PageParts:
    """One pass over the tree: hidden blocks (not entered), visible links, script texts."""
    parts = PageParts(hidden=[], links=[], scripts=[])
    stack = [root]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue
        reason = hiding_reason(el, selectors) if el.tag not in ("html", "head", "body") else None
        if reason:
            parts.hidden.append((el, reason))
            continue
        if el.tag == "a" and el.get("href"):
            link = classifier.link(el, el.get("href"))
            if link:
                parts.links.append(link)
        elif el.tag == "script":
            if el.text:
                parts.scripts.append(el.text)
            continue
        elif el.tag == "style":
            continue
        stack.extend(reversed(el))
    return parts


def describe(el, reason: str | None = None) -> str:
    """Where an element is, for people: `源码第 12 行 <div#id.class>（display:none）`."""
    name = el.tag
    if el.get("id"):
        name += "#" + el.get("id")
    classes = (el.get("class") or "").split()
    if classes:
        name += "." + ".".join(classes[:2])
    line = f"源码第 {el.sourceline} 行 " if el.sourceline else ""
    return f"{line}<{name}>" + (f"（{reason}）" if reason else "")


def source_of(el) -> str:
    return lxml.html.tostring(el, encoding="unicode", with_tail=False)


# ---------------------------------------------------------------- rules

def _block_links(block, classifier: LinkClassifier) -> tuple[list[Link], list[Link]]:
    """(links, frames) inside a hidden block, the block itself included. Frames count only when
    hidden themselves: a hidden panel holding a weather widget is a menu, not an injection."""
    links, frames = [], []
    for el in block.iter("a", "iframe", "frame"):
        if el.tag == "a":
            link = classifier.link(el, el.get("href")) if el.get("href") else None
            if link:
                links.append(link)
        elif el.get("src") and (el is block or hiding_reason(el, {})):
            link = classifier.link(el, el.get("src"))
            if link:
                frames.append(link)
    return links, frames


def _anchor_with(links: list[Link], word: str) -> str:
    """The whole anchor text holding `word` (澳门新葡京 rather than 新葡京), else the word; as
    it reads in the serialised source (`<`, `>` and `&` escaped), where it is highlighted."""
    text = next((l.element.text_content().strip() for l in links if word in l.text), "") or word
    return html_escape(text, quote=False)


def _is_link_block(links: list[Link], external: list[Link]) -> bool:
    """Hidden links that are an injection even without spam words: only external ones (a hover
    menu of 友情链接 mixes in government sites), and several of them or to several sites."""
    if len(external) < len(links):
        return False
    return len(external) >= HIDDEN_MIN_LINKS or len({registrable(l.host) for l in external}) >= 2


def hidden_block_findings(block, reason: str, classifier: LinkClassifier) -> list[Finding]:
    """Findings for one hidden element: the iframes, links and text it hides."""
    links, frames = _block_links(block, classifier)
    where = describe(block, reason)
    external_frames = [f for f in frames if f.kind == "external"]
    findings = []
    if external_frames:
        host = external_frames[0].host
        findings.append(Finding("spam", "hidden-iframe", _source_excerpt(source_of(block), host), where,
                                "high", host, count=len(external_frames)))
    if any(l.kind == "external" for l in links):
        findings.extend(_hidden_external_links(block, links, where, classifier.vocab))
    elif links:
        findings.extend(_hidden_site_links(block, links, where, classifier.vocab))
    elif not frames:
        findings.extend(_hidden_text(block, where, classifier.vocab))
    return findings


def _hidden_external_links(block, links: list[Link], where: str, vocab: Vocabulary) -> list[Finding]:
    """Hidden + leaving the government web: any vocabulary, even 彩票 alone, settles it; without
    any, a block of nothing but external links still does."""
    external = [l for l in links if l.kind == "external"]
    hits = vocab.hits(block.text_content() + " " + " ".join(l.text for l in links))
    signal = strong(hits) or hits
    if signal:
        word = _anchor_with(links, signal[0].word)
        return [Finding("spam", "hidden-spam-links", _source_excerpt(source_of(block), word), where,
                        "high", word, topic_label(signal), len(external))]
    if _is_link_block(links, external):
        host = external[0].host
        return [Finding("spam", "hidden-links", _source_excerpt(source_of(block), host), where,
                        "medium", host, count=len(external))]
    return []


def _hidden_site_links(block, links: list[Link], where: str, vocab: Vocabulary) -> list[Finding]:
    """Hidden links within the site or to other government sites are usually tab panels and
    menus; only anchors that themselves read like spam count (hacked .gov.cn pages exist)."""
    if not strong(vocab.hits("\n".join(l.text for l in links))):
        return []
    spam = [(l, hits) for l in links if (hits := strong(vocab.hits(l.text)))
            and not vocab.has_legit_context(l.text)]
    if not spam:
        return []
    word = html_escape(spam[0][0].element.text_content().strip() or spam[0][1][0].word, quote=False)
    return [Finding("spam", "hidden-spam-links", _source_excerpt(source_of(block), word), where,
                    "high", word, topic_label([h for _, hs in spam for h in hs]), len(spam))]


def _hidden_text(block, where: str, vocab: Vocabulary) -> list[Finding]:
    """Hidden spam words without links: keyword stuffing for search engines."""
    text = block.text_content()
    hits = strong(vocab.hits(text))
    if not hits or vocab.has_legit_context(text):
        return []
    return [Finding("spam", "hidden-spam-text", excerpt_around(text, hits[0].word), where,
                    "medium", hits[0].word, topic_label(hits), len(hits))]


def _source_excerpt(source: str, needle: str) -> str:
    if len(source) <= 2 * MAX_SNIPPET_SOURCE:
        return source
    return excerpt_around(source, needle, MAX_SNIPPET_SOURCE)


def _nearest_block(el):
    for ancestor in el.iterancestors():
        if ancestor.tag in BLOCK_TAGS:
            return ancestor
    return el.getparent()


def link_context(link: Link, window: int = 60) -> str:
    """Text around a link: its block's text, cut to `window` characters either side."""
    block = _nearest_block(link.element)
    text = " ".join((block.text_content() if block is not None else link.text).split())
    index = text.find(link.text) if link.text else -1
    if index < 0:
        return text[: 2 * window + len(link.text)]
    return text[max(0, index - window): index + len(link.text) + window]


def spam_link_findings(links: list[Link], vocab: Vocabulary) -> list[Finding]:
    """Visible external links with spam vocabulary: strong words in the anchor or next to it,
    or lottery words in the anchor itself (私彩 sites; 福利彩票 is masked as a safe phrase)."""
    flagged = []
    for link in links:
        if link.kind != "external":
            continue
        context = link_context(link)
        anchor_hits = vocab.hits(link.text)
        hits = strong(anchor_hits) or strong(vocab.hits(context)) or anchor_hits
        # News of a crackdown (警方破获网上赌场案) uses the same words as the spam it reports on.
        if hits and not vocab.has_legit_context(context):
            flagged.append((link, hits, context))
    if not flagged:
        return []
    flagged.sort(key=lambda item: not strong(item[1]))
    link, hits, context = flagged[0]
    all_hits = [h for _, hs, _ in flagged for h in hs]
    return [Finding("spam", "spam-link", f"{context}（链接：{link.href}）", describe(link.element),
                    "high" if strong(all_hits) else "medium", hits[0].word, topic_label(all_hits), len(flagged))]


def link_farm_findings(links: list[Link], vocab: Vocabulary) -> list[Finding]:
    """The deepest blocks holding many visible links to many different non-government sites."""
    counts: dict = defaultdict(int)
    totals: dict = defaultdict(int)
    domains: dict = defaultdict(set)
    for link in links:
        external = link.kind == "external"
        for ancestor in link.element.iterancestors():
            totals[ancestor] += 1
            if external:
                counts[ancestor] += 1
                domains[ancestor].add(registrable(link.host))
    farms = [el for el in counts
             if counts[el] >= FARM_MIN_LINKS and len(domains[el]) >= FARM_MIN_DOMAINS
             and counts[el] >= FARM_MIN_SHARE * totals[el]]
    has_farm_inside = {a for el in farms for a in el.iterancestors()}
    findings = []
    for block in farms:
        if block in has_farm_inside:
            continue
        hits = vocab.hits(block.text_content())
        host = next(l.host for l in links if l.kind == "external" and block in l.element.iterancestors())
        findings.append(Finding("spam", "link-farm", _source_excerpt(source_of(block), host), describe(block),
                                "high" if hits else "medium", hits[0].word if hits else host,
                                topic_label(hits), counts[block]))
    return findings


def script_findings(scripts: list[str], classifier: LinkClassifier) -> list[Finding]:
    """Links written by scripts (document.write) and referrer-based redirects off the site."""
    vocab = classifier.vocab
    findings = []
    for text in scripts:
        external = [u for u in SCRIPT_LINK.findall(text) if classifier.kind(_host_of(u)) == "external"]
        if external:
            hits = vocab.hits(text)
            if hits:
                index = text.find(hits[0].word)
                findings.append(Finding("spam", "script-links", excerpt(text, index, index + len(hits[0].word)),
                                        "页面脚本", "high", hits[0].word, topic_label(hits), len(external)))
        if "referrer" in text:
            targets = [u for u in SCRIPT_REDIRECT.findall(text) if classifier.kind(_host_of(u)) == "external"]
            if targets:
                index = text.find(targets[0])
                findings.append(Finding("spam", "referrer-redirect", excerpt(text, index, index + len(targets[0])),
                                        "页面脚本", "high", targets[0]))
    return findings


def screen_spam(html: str, page_url: str | None, vocab: Vocabulary, site_hosts=()) -> list[Finding]:
    root = parse_html(html)
    classifier = LinkClassifier(page_url, site_hosts, vocab)
    parts = split_page(root, hidden_selectors(root), classifier)
    findings = []
    for block, reason in parts.hidden:
        findings.extend(hidden_block_findings(block, reason, classifier))
    findings.extend(spam_link_findings(parts.links, vocab))
    findings.extend(link_farm_findings(parts.links, vocab))
    findings.extend(script_findings(parts.scripts, classifier))
    return findings
