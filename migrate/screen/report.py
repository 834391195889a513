"""The review list for people: `output/reports/screen.html` (and `screen.json`).

Snippets come from compromised pages and are hostile HTML: everything goes through Jinja's
autoescaping, and the highlighted match is split out in Python so `<mark>` is the only markup
added around it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jinja2
import yaml

from migrate.config import Config
from migrate.screen.model import CATEGORY_LABELS, SEVERITY_LABELS, Finding
from migrate.screen.reviews import REVIEWS_NAME, Review, load_reviews
from migrate.screen.stage import PageResult, ScreenReport

GROUP_MIN_PAGES = 3         # pages sharing one spam block before it is offered as a group
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
STATE_LABELS = {"pending": "待审（已隔离，不发布）", "publish": "已审核：发布", "drop": "已审核：不发布"}

TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>隔离页面审核清单</title>
<style>
body { font-family: "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto; max-width: 70em;
       padding: 0 1em; color: #222; line-height: 1.6; }
h2 { border-bottom: 2px solid #a00; padding-bottom: .2em; margin-top: 2em; }
section.page { border: 1px solid #ccc; border-radius: 4px; padding: .5em 1em; margin: 1em 0; }
section.pending { border-left: 6px solid #c00; }
section.publish { border-left: 6px solid #2a2; }
section.drop { border-left: 6px solid #888; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; white-space: nowrap; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; font-size: 90%; }
pre.yaml { background: #f6f8fa; padding: .5em; border: 1px dashed #999; }
mark { background: #ffe066; }
.high { color: #c00; font-weight: bold; }
.medium { color: #b60; }
.low { color: #555; }
.url { word-break: break-all; }
</style>
</head>
<body>
<h1>隔离页面审核清单</h1>
<p>生成日期：{{ today }}。筛查发现下列文章含有疑似被植入的垃圾链接、未脱敏的个人信息，或正文为空/只有图片。
这些文章已被<strong>隔离</strong>：构建新站时不发布，旧地址返回 410 并说明原因，直到有人审核并登记结果。</p>
<p>审核方法：打开旧地址或归档副本核对；决定后把每页下方的几行复制到工作区根目录的
<code>{{ reviews_name }}</code> 文件末尾（文件不存在就新建，第一行可写
<code># 人工审核记录：隔离页面经审核后在此登记，才会发布。</code>），填写 <code>decision</code>、审核人和说明，然后重新构建。</p>
<ul>
<li><code>decision: publish</code>：核实无误，原样发布。垃圾链接所在的隐藏块在正文清洗时已经去除，发布的是清洗后的正文；
个人信息只有在确属应当公开的信息（如工作人员的办公手机）时才能选 publish。</li>
<li><code>decision: drop</code>：不发布，旧地址返回 410，<code>note</code> 写明理由（会显示在 410 页面上）。
含有不应公开的个人信息的页面请选 drop，需要时在县级平台另行发布遮蔽后的版本。</li>
</ul>
<p>片段中的号码已遮蔽，报告本身不再传播个人信息；<mark>黄色</mark>为命中的内容。</p>
{% for town in towns %}
<h2>{{ town.name }}（{{ town.slug }}）</h2>
<p>筛查文章 {{ town.counts.screened }} 篇，发现问题 {{ town.counts.flagged }} 篇：垃圾链接 {{ town.counts.spam }} 篇、
个人信息 {{ town.counts.pii }} 篇、空白页面 {{ town.counts.empty }} 篇{% if town.counts.error %}、筛查出错 {{ town.counts.error }} 篇{% endif %}；
其中待审 {{ town.pending }} 篇。附件：已筛查 {{ town.counts.attachments_screened }} 个{% if town.counts.attachments_unscreened %}，
<strong>{{ town.counts.attachments_unscreened }} 个未能自动筛查</strong>（PDF、DOC、WPS 等，请人工抽查其中的个人信息）{% endif %}。
{% if town.counts.raw_missing %}另有 {{ town.counts.raw_missing }} 篇文章的原始页面不在归档中，只筛查了清洗后的正文。{% endif %}</p>
{% for group in town.groups %}
<section class="page pending">
<h3>同一段垃圾代码出现在 {{ group.urls|length }} 个待审页面</h3>
<p>这通常是旧站模板被植入：隐藏块在页面模板里，不在正文中。逐页核对后，可把下面整段复制到 {{ reviews_name }}，
每个页面仍各占一条记录。片段：</p>
<pre>{{ group.snippet }}</pre>
<pre class="yaml">{{ group.yaml }}</pre>
</section>
{% endfor %}
{% for page in town.pages %}
<section class="page {{ page.state }}">
<h3>{{ page.title or "（无标题）" }}</h3>
<p>旧地址：<span class="url">{% if page.linkable %}<a href="{{ page.url }}" rel="noreferrer">{{ page.url }}</a>{% else %}{{ page.url }}{% endif %}</span>
<br>状态：{{ page.state_label }}{% if page.review %}（{{ page.review.reviewer }}，{{ page.review.date }}{% if page.review.note %}：{{ page.review.note }}{% endif %}）{% endif %}</p>
<table>
<tr><th>类别</th><th>问题</th><th>程度</th><th>位置</th><th>片段</th></tr>
{% for f in page.findings %}
<tr><td>{{ f.category }}</td><td>{{ f.label }}{% if f.count > 1 %}（共 {{ f.count }} 处）{% endif %}</td>
<td class="{{ f.severity_class }}">{{ f.severity }}</td><td>{{ f.where }}</td>
<td><pre>{{ f.before }}{% if f.match %}<mark>{{ f.match }}</mark>{% endif %}{{ f.after }}</pre></td></tr>
{% endfor %}
</table>
{% if page.state == "pending" %}<p>登记审核结果（复制到 {{ reviews_name }}）：</p>
<pre class="yaml">{{ page.yaml }}</pre>{% endif %}
</section>
{% endfor %}
{% endfor %}
</body>
</html>
"""


def split_match(snippet: str, match: str) -> tuple[str, str, str]:
    """(before, match, after): the first occurrence of `match` in `snippet`, else no match."""
    needle = " ".join(match.split()) if match else ""
    index = snippet.find(needle) if needle else -1
    if index < 0:
        return snippet, "", ""
    return snippet[:index], needle, snippet[index + len(needle):]


def _yaml_scalar(value: str) -> str:
    """Plain when YAML reads it back unchanged, else a double-quoted string."""
    try:
        if yaml.safe_load(f"v: {value}") == {"v": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def review_yaml(url: str, today: str) -> str:
    return (f"- url: {_yaml_scalar(url)}\n"
            f"  decision:                # publish（核实无误，原样发布） | drop（不发布，返回 410）\n"
            f"  reviewer:                # 审核人姓名\n"
            f"  date: {today}\n"
            f"  note: ")


def _finding_view(finding: Finding) -> dict:
    before, match, after = split_match(finding.snippet, finding.match)
    return {"category": CATEGORY_LABELS.get(finding.category, finding.category), "label": finding.label,
            "count": finding.count, "severity": SEVERITY_LABELS.get(finding.severity, finding.severity),
            "severity_class": finding.severity, "where": finding.where,
            "before": before, "match": match, "after": after}


def _state(page: PageResult, reviews: dict[str, Review]) -> str:
    review = reviews.get(page.url)
    return review.decision if review else "pending"


def _worst(page: PageResult) -> int:
    return min(SEVERITY_ORDER.get(f.severity, 3) for f in page.findings)


def _town_view(config: Config, report: ScreenReport, reviews: dict[str, Review], today: str) -> dict:
    pages = sorted(report.flagged.values(),
                   key=lambda p: (_state(p, reviews) != "pending", _worst(p), p.url))
    views = []
    for page in pages:
        state = _state(page, reviews)
        views.append({"url": page.url, "title": page.title, "state": state, "state_label": STATE_LABELS[state],
                      "review": reviews.get(page.url), "linkable": page.url.startswith(("http://", "https://")),
                      "findings": [_finding_view(f) for f in page.findings],
                      "yaml": review_yaml(page.url, today)})
    return {"slug": report.town, "name": config.township(report.town).name, "counts": report.counts,
            "pending": sum(1 for v in views if v["state"] == "pending"), "pages": views,
            "groups": _shared_spam(pages, reviews, today)}


def _shared_spam(pages: list[PageResult], reviews: dict[str, Review], today: str) -> list[dict]:
    """Pending pages whose only findings are the same spam block: a template-wide injection,
    offered as one block of review entries instead of hundreds of separate copies."""
    groups: dict[tuple, list[str]] = {}
    for page in pages:
        if _state(page, reviews) == "pending" and all(f.category == "spam" for f in page.findings):
            key = tuple((f.rule, f.snippet) for f in page.findings)
            groups.setdefault(key, []).append(page.url)
    return [{"urls": urls, "snippet": key[0][1], "yaml": "\n".join(review_yaml(u, today) for u in urls)}
            for key, urls in groups.items() if len(urls) >= GROUP_MIN_PAGES]


def _json_view(town: dict, report: ScreenReport) -> dict:
    states = {v["url"]: v["state"] for v in town["pages"]}
    return {"name": town["name"], "counts": town["counts"], "pages": [
        {"url": p.url, "title": p.title, "status": states[p.url], "findings": [f.to_dict() for f in p.findings]}
        for p in sorted(report.flagged.values(), key=lambda p: p.url)]}


def write_review_report(config: Config, reports) -> Path:
    """Write `screen.html` and `screen.json` under the reports folder; returns the HTML path."""
    reviews = load_reviews(config)
    today = date.today().isoformat()
    reports = list(reports)
    towns = [_town_view(config, r, reviews, today) for r in reports]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = env.from_string(TEMPLATE).render(towns=towns, today=today, reviews_name=REVIEWS_NAME)
    config.reports_dir.mkdir(parents=True, exist_ok=True)
    path = config.reports_dir / "screen.html"
    path.write_text(html, encoding="utf-8")
    data = {"generated": today, "towns": {t["slug"]: _json_view(t, r) for t, r in zip(towns, reports)}}
    (config.reports_dir / "screen.json").write_text(json.dumps(data, ensure_ascii=False, indent=1),
                                                    encoding="utf-8")
    return path
