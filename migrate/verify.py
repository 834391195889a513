"""The verify stage: replay the migration on paper before anyone switches DNS.

Checks that every archived old URL has exactly one row in the redirect table, every 301 target is a
file of the built site, no redirect leads to another redirect, and no internal link of the built
site is broken (inspectors deduct points per broken link). Writes `output/reports/verify.html`
and `verify.json`.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from jinja2 import Environment

from migrate.errors import UserError
from migrate.newurls import path_to_file
from migrate.redirects import Redirect, RedirectTable, iter_redirect_rows
from migrate.urls import canonical_url, host_of

KIND_TITLES = {
    "bad_csv": "重定向表无法读取",
    "missing_redirect": "已归档地址缺少重定向",
    "duplicate_redirect": "同一旧地址有多行重定向",
    "bad_target": "跳转目标不在县级门户域名下",
    "missing_target": "跳转目标文件不存在",
    "chain": "重定向链或循环",
    "broken_link": "新站内部链接失效",
    "old_site_link": "新站页面仍链接到旧站",
    "unknown_host": "重定向表含未配置的旧站主机",
}
WARNING_KINDS = {"old_site_link", "unknown_host"}

LINK_ATTR = re.compile(r"""\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
SRCSET_ATTR = re.compile(r"""\ssrcset\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]+))\s*\)""", re.I)
COMMENT = re.compile(r"<!--.*?-->", re.S)
SCRIPT_BODY = re.compile(r"(<script\b[^>]*>).*?(</script\s*>)", re.S | re.I)
SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "about:", "sms:", "blob:")
PAGE_SUFFIXES = (".html", ".htm")
REPORT_LIMIT = 1000     # problems listed per kind in the HTML report (the JSON has all)


@dataclass
class Problem:
    kind: str       # a key of KIND_TITLES
    message: str    # Chinese, names the URL or file
    where: str      # the old URL, new URL or site file concerned

    def as_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "where": self.where}


@dataclass
class VerifyReport:
    counts: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    html_path: Path | None = None
    json_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, message: str, where: str):
        target = self.warnings if kind in WARNING_KINDS else self.problems
        target.append(Problem(kind, message, where))

    def problem_counts(self) -> dict[str, int]:
        return dict(Counter(p.kind for p in self.problems))

    def summary(self) -> str:
        c = self.counts
        head = (f"已检查归档地址 {c['archived']} 个、重定向 {c['redirects']} 条"
                f"（301 {c['moved']} 条，410 {c['gone']} 条）、页面 {c['pages']} 个、"
                f"内部链接 {c['links']} 个")
        if self.ok:
            return head + "，全部通过。"
        parts = "；".join(f"{KIND_TITLES[k]} {n} 处" for k, n in sorted(self.problem_counts().items()))
        return head + f"，发现问题：{parts}。详见 {self.html_path or 'verify.html'}。"

    def as_dict(self) -> dict:
        return {"ok": self.ok, "counts": dict(sorted(self.counts.items())),
                "problems": [p.as_dict() for p in self.problems],
                "warnings": [p.as_dict() for p in self.warnings]}


class SiteFiles:
    """Every file under the site directory, listed once, so existence checks cost a set lookup."""

    def __init__(self, site_dir: Path):
        self.root = Path(site_dir)
        self.files: set[str] = set()
        for dirpath, _dirs, names in os.walk(self.root):
            rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            prefix = "" if rel_dir == "." else rel_dir + "/"
            self.files.update(prefix + name for name in names)

    def has(self, rel: str) -> bool:
        """A site file, or a directory with an index page (the server adds the slash)."""
        rel = rel.strip("/")
        return rel in self.files or (f"{rel}/index.html" if rel else "index.html") in self.files

    def pages(self) -> list[str]:
        return sorted(f for f in self.files if f.lower().endswith(PAGE_SUFFIXES))

    def stylesheets(self) -> list[str]:
        return sorted(f for f in self.files if f.lower().endswith(".css"))


# --------------------------------------------------------------------------- redirect checks

def _read_redirects(config, report: VerifyReport) -> list[tuple[int, Redirect]]:
    csv_path = Path(config.redirects_dir) / "redirects.csv"
    rows = []
    try:
        for line, redirect in iter_redirect_rows(csv_path):
            rows.append((line, redirect))
    except UserError as exc:
        report.add("bad_csv", exc.render(), str(csv_path))
    return rows


def _check_coverage(config, ledger, rows, report: VerifyReport):
    """(1) Every archived URL of the configured townships has exactly one row."""
    lines_by_url: dict[str, list[int]] = {}
    for line, redirect in rows:
        lines_by_url.setdefault(redirect.old_url, []).append(line)
    towns = {t.slug for t in config.townships}
    archived = [row for row in ledger.archived() if row["town"] in towns]
    report.counts["archived"] = len(archived)
    for row in archived:
        url = canonical_url(row["url"])
        lines = lines_by_url.get(url, [])
        if not lines:
            report.add("missing_redirect", f"旧地址 {url}（{row['town']}）已归档，但重定向表中没有它的行。", url)
        elif len(lines) > 1:
            joined = "、".join(str(n) for n in lines)
            report.add("duplicate_redirect", f"旧地址 {url} 在重定向表中出现 {len(lines)} 次（第 {joined} 行）。", url)
    known = set(config.town_host_index())
    for url in sorted(set(lines_by_url)):
        host = host_of(url)
        if host not in known:
            report.add("unknown_host", f"重定向表中的 {url} 不属于任何已配置乡镇的旧站主机。", url)
            known.add(host)     # one warning per host is enough


def _check_targets(config, rows, site: SiteFiles, table: RedirectTable, report: VerifyReport):
    """(2) 301 targets are files on the county site; (4) and not old URLs themselves."""
    base = config.county.base_url
    old_hosts = table.hosts
    for line, redirect in rows:
        report.counts["redirects"] += 1
        if redirect.status == 410:
            report.counts["gone"] += 1
            continue
        report.counts["moved"] += 1
        target = redirect.new_url
        if not (target == base or target.startswith(base + "/")):
            report.add("bad_target", f"第 {line} 行 {redirect.old_url} 跳转到 {target}，不在县级门户 {base} 下。", target)
            continue
        rel = path_to_file(target[len(base):] or "/")
        if not site.has(rel):
            report.add("missing_target", f"第 {line} 行 {redirect.old_url} 跳转到 {target}，"
                                          f"但新站中没有文件 {rel}。", target)
        parts = urlsplit(target)
        if host_of(target) in old_hosts:
            uri = parts.path + (f"?{parts.query}" if parts.query else "")
            hop = table.lookup(host_of(target), uri)
            if hop is not None:
                kind = "循环" if hop.old_url == redirect.old_url else "链"
                report.add("chain", f"第 {line} 行 {redirect.old_url} 跳转到 {target}，而后者本身又是旧地址"
                                    f"（重定向{kind}），应直接跳到最终地址。", redirect.old_url)


# --------------------------------------------------------------------------- link checks

def _attribute_values(pattern: re.Pattern, text: str) -> list[str]:
    # One alternative per quoting style, so exactly one group is non-empty.
    return ["".join(groups) for groups in pattern.findall(text)]


def page_links(text: str) -> list[str]:
    """href/src/srcset values of an HTML page, ignoring comments and inline script bodies."""
    text = SCRIPT_BODY.sub(r"\1\2", COMMENT.sub("", text))
    links = _attribute_values(LINK_ATTR, text)
    for srcset in _attribute_values(SRCSET_ATTR, text):
        links += [item.split()[0] for item in srcset.split(",") if item.strip()]
    links += _attribute_values(CSS_URL, text)       # inline style attributes and <style>
    return links


class LinkResolver:
    """Turns a link found in a site file into a site file path (or None if it leaves the site)."""

    def __init__(self, config):
        self.base = config.county.base_url
        self.domain = config.county.domain.lower()
        self.old_hosts = set(config.town_host_index())
        self._cache: dict[tuple[str, str], tuple[str, str | None]] = {}

    def resolve(self, file_rel: str, link: str) -> tuple[str, str | None]:
        """→ ("internal", site file) | ("old", url) | ("skip", None)."""
        folder = file_rel.rpartition("/")[0]
        key = (folder, link)
        if key not in self._cache:
            self._cache[key] = self._resolve(folder, link)
        return self._cache[key]

    def _resolve(self, folder: str, link: str) -> tuple[str, str | None]:
        link = html.unescape(link).strip()
        if not link or link.startswith(("#", "{{", "{%")) or link.lower().startswith(SKIPPED_SCHEMES):
            return "skip", None
        absolute = urljoin(f"{self.base}/{folder}/" if folder else f"{self.base}/", link)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https"):
            return "skip", None
        host = host_of(absolute)
        if host != self.domain:
            return ("old", absolute) if host in self.old_hosts else ("skip", None)
        return "internal", path_to_file(parts.path or "/")


def _check_file_links(site: SiteFiles, rel: str, links: list[str], resolver: LinkResolver,
                      report: VerifyReport):
    internal = 0
    for link, times in sorted(Counter(links).items()):   # menus repeat the same links
        kind, target = resolver.resolve(rel, link)
        if kind == "internal":
            internal += times
            if not site.has(target):
                report.add("broken_link", f"{rel} 中的链接 {link} 指向不存在的 {target}。", rel)
        elif kind == "old":
            report.add("old_site_link", f"{rel} 中的链接 {link} 仍指向旧站（会经重定向跳转，建议改为新地址）。", rel)
    report.counts["links"] += internal


def _check_links(config, site: SiteFiles, report: VerifyReport, progress):
    """(3) Every href/src of every page (and url() of every stylesheet) resolves to a file."""
    resolver = LinkResolver(config)
    pages, sheets = site.pages(), site.stylesheets()
    total = len(pages) + len(sheets)
    for done, rel in enumerate(pages + sheets, 1):
        text = (site.root / rel).read_bytes().decode("utf-8", errors="replace")
        if rel.lower().endswith(".css"):
            links = _attribute_values(CSS_URL, text)
        else:
            report.counts["pages"] += 1
            links = page_links(text)
        _check_file_links(site, rel, links, resolver, report)
        if progress and (done % 500 == 0 or done == total):
            progress(done, total, "检查链接")


# --------------------------------------------------------------------------- report

REPORT_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>迁移校验报告</title>
<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.6}
.ok{color:#176b1d}.bad{color:#b00020}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2em .6em;text-align:left}li{word-break:break-all}</style></head>
<body><h1>迁移校验报告</h1>
<p class="{{ 'ok' if report.ok else 'bad' }}">{{ report.summary() }}</p>
<h2>统计</h2><table>{% for key, label in count_labels %}
<tr><th>{{ label }}</th><td>{{ report.counts[key] }}</td></tr>{% endfor %}</table>
{% for title, items, total in sections %}
<h2>{{ title }}（{{ total }}）</h2><ul>{% for p in items %}<li>{{ p.message }}</li>{% endfor %}</ul>
{% if total > items|length %}<p>仅列出前 {{ items|length }} 条，完整列表见 verify.json。</p>{% endif %}
{% endfor %}</body></html>
"""
COUNT_LABELS = [("archived", "已归档旧地址"), ("redirects", "重定向表行数"), ("moved", "301 跳转"),
                ("gone", "410 已下线"), ("pages", "新站页面"), ("links", "内部链接")]


def _sections(problems: list[Problem], suffix: str = ""):
    grouped: dict[str, list[Problem]] = {}
    for p in problems:
        grouped.setdefault(p.kind, []).append(p)
    return [(KIND_TITLES[k] + suffix, items[:REPORT_LIMIT], len(items))
            for k, items in sorted(grouped.items(), key=lambda kv: list(KIND_TITLES).index(kv[0]))]


def write_report(config, report: VerifyReport):
    out = Path(config.reports_dir)
    out.mkdir(parents=True, exist_ok=True)
    report.html_path, report.json_path = out / "verify.html", out / "verify.json"
    sections = _sections(report.problems) + _sections(report.warnings, "（提示）")
    page = Environment(autoescape=True).from_string(REPORT_TEMPLATE).render(
        report=report, count_labels=COUNT_LABELS, sections=sections)
    report.html_path.write_text(page, encoding="utf-8")
    report.json_path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1) + "\n",
                                encoding="utf-8")


def verify(config, ledger, progress=None) -> VerifyReport:
    """Run every check and write the report; `report.ok` says whether publishing is safe."""
    report = VerifyReport()
    for key, _label in COUNT_LABELS:
        report.counts[key] = 0
    site_dir = Path(config.site_dir)
    if not site_dir.is_dir():
        raise UserError("新站点目录不存在，无法校验。", path=site_dir, hint="请先运行 sitemigrate build 生成站点。")
    site = SiteFiles(site_dir)
    rows = _read_redirects(config, report)
    table = RedirectTable.for_config(config, [r for _line, r in rows])
    _check_coverage(config, ledger, rows, report)
    _check_targets(config, rows, site, table, report)
    _check_links(config, site, report, progress)
    write_report(config, report)
    return report
