"""Chinese labels and the HTML template of the crawl report (`migrate.crawl.report`)."""

from __future__ import annotations

STATE_LABELS = {"fetched": "已归档", "excluded": "已排除", "failed": "失败", "queued": "待抓取（可续抓）"}
KIND_LABELS = {"page": "页面", "attachment": "附件", "image": "图片", "asset": "模板资源", "other": "其他"}
RULE_LABELS = {
    "offsite": "站外地址",
    "robots": "旧站 robots.txt 禁止抓取",
    "trap:calendar": "日历陷阱（日期可无限翻下去）",
    "trap:print": "打印或分享版本（与原页重复）",
    "trap:session-id": "带会话号的地址（去掉会话号后另行抓取）",
    "trap:search": "站内搜索结果",
    "trap:repeated-segment": "路径循环重复（相对链接出错）",
    "trap:long-url": "地址过长",
    "max-depth": "超过最大链接深度（crawl.max_depth）",
    "max-pages": "超过每站地址数上限（crawl.max_pages）",
    "max-bytes": "超过每站总字节上限（crawl.max_bytes）",
    "max-time": "超过每站抓取时长上限（crawl.max_seconds）",
    "timeout": "超时无响应",
    "dns": "域名无法解析",
    "connection-refused": "连接被拒绝",
    "connect-error": "无法连接",
    "too-large": "文件超过单个文件大小上限（crawl.max_file_bytes），未保存",
    "truncated": "响应不完整（内容比声明的短），未保存",
    "not-archived": "未能写入归档",
    "soft-404": "“页面不存在”提示页（状态码却是 200）",
    "redirect-loop": "循环跳转（永远到不了页面）",
    "unknown": "未注明",
}


def rule_label(rule: str) -> str:
    """Chinese explanation of a ledger `rule`."""
    if rule in RULE_LABELS:
        return RULE_LABELS[rule]
    if rule.startswith("mislabelled:"):
        return f"内容类型与服务器声明不符（声明为 {rule.split(':', 1)[1]}，按实际内容记录）"
    if rule.startswith("http-"):
        return f"服务器错误 HTTP {rule[5:]}"
    if rule.startswith("error:"):
        return f"下载出错（{rule[6:]}）"
    return rule or "未注明"


TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ r.name }}旧站归档报告</title>
<style>
body { font-family: "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; color: #222; line-height: 1.6; }
h2 { border-bottom: 2px solid #1f5fa8; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f4f6fa; white-space: nowrap; }
td.n { text-align: right; white-space: nowrap; }
.url { word-break: break-all; font-size: 92%; }
.note { color: #666; font-size: 92%; }
ul.tree, ul.tree ul { list-style: none; padding-left: 1.4em; margin: 0; }
ul.tree li { margin: .15em 0; }
.bad { color: #b00; }
</style>
</head>
<body>
<h1>{{ r.name }}旧站归档报告</h1>
<p class="note">生成时间（UTC）：{{ r.generated }}　起始地址：{% for u in r.start_urls %}<span class="url">{{ u }}</span> {% endfor %}</p>

<h2>概况</h2>
<table>
<tr><th>已归档地址</th><td class="n">{{ r.summary.fetched }}</td><th>其中页面</th><td class="n">{{ r.summary.pages }}</td>
    <th>附件</th><td class="n">{{ r.summary.attachments }}</td><th>图片</th><td class="n">{{ r.summary.images }}</td></tr>
<tr><th>归档总量</th><td class="n">{{ r.summary.bytes|size }}</td><th>跳转</th><td class="n">{{ r.summary.redirects }}</td>
    <th>4xx 错误</th><td class="n">{{ r.summary.errors }}</td><th>重复内容（只存一份）</th><td class="n">{{ r.summary.revisits }}</td></tr>
<tr><th>已排除</th><td class="n">{{ r.summary.excluded }}</td><th>失败</th><td class="n {% if r.summary.failed %}bad{% endif %}">{{ r.summary.failed }}</td>
    <th>待抓取</th><td class="n {% if r.summary.queued %}bad{% endif %}">{{ r.summary.queued }}</td>
    <th>旧站失效链接</th><td class="n">{{ r.summary.broken_links }}</td></tr>
</table>
{% if r.summary.queued %}<p class="bad">还有 {{ r.summary.queued }} 个地址没有抓取（抓取被中断）：运行 <code>sitemigrate crawl --resume {{ r.town }}</code> 续抓。</p>{% endif %}

<h2>按状态码</h2>
<table><tr><th>HTTP 状态码</th><th>地址数</th><th>字节</th></tr>
{% for row in r.by_status %}<tr><td>{{ row.value if row.value is not none else "（无）" }}</td><td class="n">{{ row.count }}</td><td class="n">{{ row.bytes|size }}</td></tr>
{% endfor %}</table>

<h2>按内容类型</h2>
<table><tr><th>内容类型</th><th>地址数</th><th>字节</th></tr>
{% for row in r.by_content_type %}<tr><td>{{ row.value or "（未声明）" }}</td><td class="n">{{ row.count }}</td><td class="n">{{ row.bytes|size }}</td></tr>
{% endfor %}</table>

<h2>按类别</h2>
<table><tr><th>类别</th><th>地址数</th><th>字节</th></tr>
{% for row in r.by_kind %}<tr><td>{{ row.label }}</td><td class="n">{{ row.count }}</td><td class="n">{{ row.bytes|size }}</td></tr>
{% endfor %}</table>

<h2>排除的地址（按规则）</h2>
{% if r.exclusions %}
<p class="note">每条规则最多列出 {{ examples }} 个示例；完整清单见同名 .json 文件或台账（state = excluded）。</p>
<table><tr><th>规则</th><th>说明</th><th>地址数</th><th>示例（发现于）</th></tr>
{% for g in r.exclusions %}<tr><td><code>{{ g.rule }}</code></td><td>{{ g.label }}</td><td class="n">{{ g.count }}</td>
<td>{% for e in g.examples %}<div class="url">{{ e.url }}{% if e.found_on %} <span class="note">（{{ e.found_on }}）</span>{% endif %}</div>{% endfor %}</td></tr>
{% endfor %}</table>
{% else %}<p>没有排除任何地址。</p>{% endif %}

<h2>抓取失败</h2>
{% if r.failures %}
<table><tr><th>地址</th><th>原因</th><th>发现于</th></tr>
{% for f in r.failures[:limit] %}<tr><td class="url">{{ f.url }}</td><td>{{ f.label }}</td><td class="url">{{ f.found_on or "" }}</td></tr>
{% endfor %}</table>
<p class="note">失败的地址可用 <code>sitemigrate crawl --resume {{ r.town }}</code> 重试。</p>
{% else %}<p>没有失败的地址。</p>{% endif %}

<h2>服务器的异常响应</h2>
{% if r.anomalies %}
<p class="note">这些响应已按原样归档；台账按实际内容记录它们，迁移时不会当作正常文章。</p>
<table><tr><th>地址</th><th>问题</th><th>状态码</th><th>记录的类型</th></tr>
{% for a in r.anomalies[:limit] %}<tr><td class="url">{{ a.url }}{% if a.redirect_to %}<br><span class="note">→ {{ a.redirect_to }}</span>{% endif %}</td>
<td>{{ a.label }}</td><td class="n">{{ a.status }}</td><td>{{ a.content_type or "" }}</td></tr>
{% endfor %}</table>
{% else %}<p>没有发现异常响应。</p>{% endif %}

<h2>旧站失效链接</h2>
{% if r.broken_links %}
<p class="note">旧站上这些链接指向的地址已不存在或无法访问，下列页面链接了它们（每个最多列 10 个页面）。新站不会有这些断链。</p>
<table><tr><th>失效的地址</th><th>原因</th><th>链接它的页面（链接文字）</th></tr>
{% for b in r.broken_links[:limit] %}<tr><td class="url">{{ b.url }}</td><td>{{ b.why }}</td>
<td>{% for l in b.linked_from %}<div class="url">{{ l.src }}{% if l.text %}（{{ l.text }}）{% endif %}</div>{% endfor %}</td></tr>
{% endfor %}</table>
{% else %}<p>没有发现失效链接。</p>{% endif %}

<h2>栏目结构</h2>
<p class="note">{% if r.columns_from == "records" %}栏目名称和文章数来自抽取结果（面包屑与列表页）。{% else %}尚未抽取：栏目按列表页地址归并，名称取自旧站导航的链接文字，篇数为列表页链接到的页面数（近似）。运行抽取后重新生成可得准确结果。{% endif %}</p>
{% macro tree(nodes) %}<ul class="tree">{% for n in nodes %}<li><b>{{ n.name }}</b>
<span class="note">{{ n.pages }} 篇，{{ n.list_pages }} 个列表页{% if n.list_urls %}，<span class="url">{{ n.list_urls[0] }}</span>{% endif %}</span>
{% if n.children %}{{ tree(n.children) }}{% endif %}</li>{% endfor %}</ul>{% endmacro %}
{% if r.columns %}{{ tree(r.columns) }}{% else %}<p>没有识别出栏目列表页。</p>{% endif %}

<h2>最大的文件</h2>
<table><tr><th>地址</th><th>文件名</th><th>类别</th><th>内容类型</th><th>大小</th></tr>
{% for f in r.largest_files %}<tr><td class="url">{{ f.url }}</td><td>{{ f.filename or "" }}</td><td>{{ f.kind_label }}</td><td>{{ f.content_type or "" }}</td><td class="n">{{ f.length|size }}</td></tr>
{% endfor %}</table>

{% if r.changes is defined %}
<h2>最近一次增量重抓的变化</h2>
<table><tr><th>新增</th><td class="n">{{ r.changes.counts.new }}</td><th>有改动</th><td class="n">{{ r.changes.counts.changed }}</td>
<th>未变</th><td class="n">{{ r.changes.counts.unchanged }}</td><th>已消失</th><td class="n">{{ r.changes.counts.gone }}</td></tr></table>
{% for kind, label in [("new", "新增"), ("changed", "有改动"), ("gone", "已消失")] %}{% if r.changes.urls[kind] %}
<h3>{{ label }}</h3>{% for u in r.changes.urls[kind] %}<div class="url">{{ u }}</div>{% endfor %}
{% endif %}{% endfor %}
{% endif %}
</body>
</html>
"""
