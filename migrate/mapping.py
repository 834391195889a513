"""The map stage: old columns → the county platform's standard columns.

`mappings/standard.yaml` holds the standard township channel; `mappings/<town>.yaml` assigns every
old column path (as its breadcrumb shows it, `政务公开 > 通知公告`) to a standard column slug, or
drops it with a reason. `plan_town` turns records + ledger + mapping into a `TownPlan` in which
every archived URL has exactly one fate.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from migrate.config import Config
from migrate.errors import MappingError
from migrate.ledger import Ledger
from migrate.plan import Standard, StandardColumn, TownPlan
from migrate.urls import canonical_url
from migrate.yamlio import Located, load_yaml

PATH_SEP = " > "
HTML_TYPES = ("text/html", "application/xhtml+xml")

# Old column names seen on township sites → standard slug. Used by `map suggest` before fuzzy
# matching on the standard names.
SYNONYMS = {
    "xzgk": ["概况", "简介", "镇情", "乡情", "街道概况", "走进", "基本情况", "自然地理", "历史沿革"],
    "jgzn": ["机构", "职能", "内设机构", "机构设置", "部门"],
    "ldxx": ["领导", "领导之窗", "领导分工", "班子成员", "负责人"],
    "gzdt": ["动态", "要闻", "新闻", "镇务", "乡务", "工作信息", "图片新闻", "图片", "村务", "社区动态",
             "招商", "新农村", "项目建设", "党建", "专题"],
    "tzgg": ["通知", "公告", "公示", "通告"],
    "zcwj": ["政策", "文件", "规范性文件", "法规", "政策解读", "解读"],
    "czxx": ["财政", "预算", "决算", "预决算", "三公", "资金"],
    "xxgkzn": ["公开指南", "信息公开指南"],
    "xxgkzd": ["公开制度", "信息公开制度"],
    "fdzdgk": ["主动公开", "政务公开", "信息公开目录", "公开目录", "扶贫", "低保", "救助", "补贴",
               "征地", "规划", "安全生产", "环境保护", "社会救助"],
    "xxgknb": ["年报", "年度报告"],
    "bsfw": ["办事", "服务", "指南", "便民", "下载", "表格"],
    "hdjl": ["信箱", "互动", "留言", "咨询", "投诉", "征集", "调查", "访谈"],
}


# ---------------------------------------------------------------- standard structure

def load_standard(path: Path) -> Standard:
    located = load_yaml(path, MappingError)
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
        raise MappingError("应包含 columns 列表（标准栏目）。", path=path, line=1)
    columns: list[StandardColumn] = []

    def walk(items, keys, parent):
        for i, item in enumerate(items):
            line = located.line(*keys, i)
            if not isinstance(item, dict) or not item.get("slug") or not item.get("name"):
                raise MappingError("每个标准栏目都要有 slug 和 name。", path=path, line=line)
            slug = str(item["slug"])
            if not re.match(r"^[a-z][a-z0-9-]*$", slug):
                raise MappingError(f"栏目 slug “{slug}” 只能用小写字母、数字和 -。", path=path, line=line)
            if any(c.slug == slug for c in columns):
                raise MappingError(f"栏目 slug “{slug}” 重复。", path=path, line=line)
            kind = item.get("type", "list")
            if kind not in ("list", "single", "group"):
                raise MappingError(f"栏目 “{slug}” 的 type 应为 list、single 或 group。", path=path, line=line)
            columns.append(StandardColumn(slug=slug, name=str(item["name"]), type=kind,
                                          description=str(item.get("description", "")), parent=parent))
            if item.get("children"):
                walk(item["children"], (*keys, i, "children"), slug)

    walk(data["columns"], ("columns",), None)
    return Standard(channel=str(data.get("channel", "乡镇（街道）")), columns=columns)


# ---------------------------------------------------------------- township mapping files

@dataclass
class Target:
    """Where one old column (or page) goes: a standard slug, or a drop with a reason."""
    slug: str | None = None
    drop: str | None = None
    line: int | None = None


@dataclass
class TownMapping:
    town: str
    path: Path
    columns: dict[str, Target] = field(default_factory=dict)
    pages: dict[str, Target] = field(default_factory=dict)

    def for_column(self, column_path: list[str]) -> tuple[str | None, Target | None]:
        """Most specific mapping entry for a column path: the path itself, else its parents."""
        for n in range(len(column_path), 0, -1):
            key = PATH_SEP.join(column_path[:n])
            if key in self.columns:
                return key, self.columns[key]
        return None, None


def column_key(column_path) -> str:
    return PATH_SEP.join(column_path or [])


def mapping_path(config: Config, town: str) -> Path:
    return config.mappings / f"{town}.yaml"


def _parse_target(value, located: Located, keys, standard: Standard) -> Target:
    line = located.line(*keys)
    path = located.path
    if isinstance(value, str):
        slug = value.strip()
    elif isinstance(value, dict) and set(value) <= {"to", "drop"} and len(value) == 1:
        if "drop" in value:
            reason = str(value["drop"] or "").strip()
            if not reason:
                raise MappingError(f"“{keys[-1]}” 标记为撤销（drop），但没有写理由。", path=path, line=line,
                                   hint="请写明理由，例如 {drop: \"内容已过期，经镇政府确认不再公开\"}。")
            return Target(drop=reason, line=line)
        slug = str(value["to"]).strip()
    else:
        raise MappingError(f"“{keys[-1]}” 的取值无法识别：{value!r}。", path=path, line=line,
                           hint="应写标准栏目 slug（如 tzgg），或 {drop: 理由}。")
    column = standard.get(slug)
    if column is None:
        choices = [c.slug for c in standard.columns if c.type != "group"]
        guess = process.extractOne(slug, choices, scorer=fuzz.ratio)
        hint = f"可用的栏目有：{'、'.join(f'{c.slug}（{c.name}）' for c in standard.columns if c.type != 'group')}。"
        if guess and guess[1] >= 60:
            hint = f"是否想写 “{guess[0]}”？" + hint
        raise MappingError(f"未知的标准栏目 “{slug}”（旧栏目 “{keys[-1]}”）。", path=path, line=line, hint=hint)
    if column.type == "group":
        kids = "、".join(f"{c.slug}（{c.name}）" for c in standard.children(slug))
        raise MappingError(f"“{slug}” 是栏目分组，不能直接放文章（旧栏目 “{keys[-1]}”）。", path=path, line=line,
                           hint=f"请改用它的子栏目：{kids}。")
    return Target(slug=slug, line=line)


def load_mapping(config: Config, town: str, standard: Standard) -> TownMapping:
    path = mapping_path(config, town)
    if not path.exists():
        raise MappingError("该乡镇还没有栏目映射文件。", path=path,
                           hint=f"请先运行 `sitemigrate map suggest {town}` 生成草稿，核对后再构建。")
    located = load_yaml(path, MappingError)
    data = located.data
    if not isinstance(data, dict):
        raise MappingError("文件内容应为键值映射（town、columns）。", path=path, line=1)
    unknown = set(data) - {"town", "columns", "pages"}
    if unknown:
        key = sorted(unknown)[0]
        raise MappingError(f"无法识别的键 “{key}”。", path=path, line=located.line(key),
                           hint="允许的键：town、columns、pages。")
    if data.get("town") not in (None, town):
        raise MappingError(f"town 写的是 “{data.get('town')}”，但文件属于乡镇 “{town}”。", path=path,
                           line=located.line("town"))
    mapping = TownMapping(town=town, path=path)
    for section in ("columns", "pages"):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise MappingError(f"{section} 应为 “旧栏目: 标准栏目” 形式的映射。", path=path,
                               line=located.line(section))
        target = getattr(mapping, section)
        for key, value in entries.items():
            name = canonical_url(str(key)) if section == "pages" else PATH_SEP.join(
                part.strip() for part in str(key).split(">"))
            target[name] = _parse_target(value, located, (section, key), standard)
    return mapping


# ---------------------------------------------------------------- records

def load_records(config: Config, town: str) -> list[dict]:
    path = config.records_path(town)
    if not path.exists():
        raise MappingError("还没有抽取结果。", path=path,
                           hint=f"请先运行 `sitemigrate crawl {town}` 和 `sitemigrate extract-all {town}`。")
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ---------------------------------------------------------------- suggest

def _suggest_slug(name: str, standard: Standard) -> tuple[str | None, int]:
    """Best standard slug for an old column name, with a 0-100 confidence."""
    leaf = name.split(PATH_SEP)[-1]
    for col in standard.columns:
        if col.type != "group" and (col.name == leaf or col.name in leaf):
            return col.slug, 95
    best, score = None, 0
    for slug, words in SYNONYMS.items():
        for word in words:
            if word in leaf and len(word) * 10 + 50 > score:
                best, score = slug, min(90, len(word) * 10 + 50)
    if best:
        return best, score
    names = {c.slug: c.name for c in standard.columns if c.type != "group"}
    match = process.extractOne(leaf, names, scorer=fuzz.partial_ratio)
    if match and match[1] >= 50:
        return match[2], int(match[1] * 0.6)
    return None, 0


def column_inventory(records: list[dict]) -> dict[str, dict]:
    """Old column path → counts of articles and list pages, in first-seen order."""
    inventory: dict[str, dict] = {}
    for rec in records:
        key = column_key(rec.get("column") or rec.get("column_path"))
        if not key:
            continue
        entry = inventory.setdefault(key, {"articles": 0, "lists": 0})
        entry["articles" if rec.get("kind") == "article" else "lists"] += rec.get("kind") in ("article", "list")
    return inventory


def suggest_mapping(config: Config, town: str, standard: Standard) -> str:
    """Draft `mappings/<town>.yaml` text from the crawled columns (comments say why)."""
    records = load_records(config, town)
    township = config.township(town)
    inventory = column_inventory(records)
    lines = [
        f"# {township.name}旧栏目 → 县级平台标准栏目（slug 见 mappings/standard.yaml）",
        "# 由 `sitemigrate map suggest` 生成的草稿：请逐条核对，标 “待确认” 的尤其要看。",
        "# 不迁移的栏目写成 {drop: 理由}，理由会出现在重定向表和报告里。",
        f"town: {town}",
        "columns:",
    ]
    for key, counts in sorted(inventory.items()):
        slug, score = _suggest_slug(key, standard)
        note = f"{counts['articles']} 篇文章，{counts['lists']} 个列表页"
        quoted = yaml.safe_dump(key, allow_unicode=True).strip().removesuffix("...").strip()
        if slug is None:
            lines.append(f"  {quoted}: {{drop: \"待确认：未找到对应的标准栏目\"}}  # {note}；请改为标准栏目或写明撤销理由")
        else:
            name = standard.get(slug).name
            flag = "" if score >= 80 else "，待确认"
            lines.append(f"  {quoted}: {slug}  # → {name}（{note}{flag}）")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- plan

def _is_html(row: dict) -> bool:
    return (row.get("content_type") or "") in HTML_TYPES


def _linked_assets(articles: list[dict]) -> set[str]:
    urls = set()
    for rec in articles:
        urls.update(canonical_url(a["url"]) for a in rec.get("attachments") or [] if a.get("url"))
        urls.update(canonical_url(u) for u in rec.get("images") or [] if u)
    return urls


@dataclass
class PlanIssues:
    """What `map check` reports: nothing here may be ignored silently."""
    unmapped_columns: Counter = field(default_factory=Counter)   # column key → page count
    unmapped_pages: list[str] = field(default_factory=list)
    undated: list[str] = field(default_factory=list)
    empty_columns: list[StandardColumn] = field(default_factory=list)
    unused_entries: list[str] = field(default_factory=list)


def plan_town(config: Config, ledger: Ledger, town: str, standard: Standard,
              mapping: TownMapping | None = None,
              quarantine: dict[str, str] | None = None) -> tuple[TownPlan, PlanIssues]:
    """Decide the fate of every archived URL of one township.

    `quarantine` (old URL → reason, from screening) holds pages and attachments that must not be
    published until a person has reviewed them: they become 410s carrying that reason."""
    quarantine = quarantine or {}
    from migrate.dedupe import load_duplicates
    duplicates = load_duplicates(config)
    township = config.township(town)
    mapping = mapping or load_mapping(config, town, standard)
    records = {r["url"]: r for r in load_records(config, town)}
    plan, issues = TownPlan(slug=town, name=township.name), PlanIssues()
    start_urls = {canonical_url(u) for u in township.old_site.start_urls}
    used_keys: set[str] = set()
    archived = ledger.archived(town)
    deferred_assets = []

    for row in archived:
        url = row["url"]
        status = row.get("status") or 0
        if url in quarantine:
            plan.drops[url] = quarantine[url]
        elif row.get("revisit_of"):
            plan.aliases[url] = row["revisit_of"]
        elif 300 <= status < 400:
            plan.aliases[url] = row["redirect_to"] or ""
        elif status != 200:
            plan.drops[url] = f"旧站该地址本身返回 HTTP {status}，没有可迁移的内容"
        elif row.get("rule") == "soft-404":
            plan.drops[url] = "旧站该地址只是“页面不存在”提示页，没有可迁移的内容"
        elif row.get("rule") == "redirect-loop":
            plan.drops[url] = "旧站该地址陷入循环跳转，没有可迁移的内容"
        elif url in mapping.pages:
            _place_page(plan, issues, records.get(url), url, mapping.pages[url], town)
        elif url in duplicates and (records.get(url) or {}).get("kind") == "article":
            plan.aliases[url] = duplicates[url]["canonical"]
        elif (records.get(url) or {}).get("kind") == "part":
            plan.aliases[url] = records[url]["part_of"]
        elif _is_html(row):
            _place_html(plan, issues, mapping, records.get(url), url, url in start_urls, used_keys)
        else:
            deferred_assets.append(row)

    kept_assets = _linked_assets(plan.articles)
    for row in deferred_assets:
        url = row["url"]
        if url in kept_assets or row.get("kind") == "attachment":
            plan.assets[url] = row
        else:
            plan.drops[url] = "旧站模板资源（样式、脚本、版式图片），新站不再使用"

    _settle_aliases(plan, {u for u, d in duplicates.items() if d["town"] != town})
    issues.undated = sorted(a["url"] for a in plan.articles if not a.get("date"))
    used = {a["column"] for a in plan.articles}
    issues.empty_columns = [c for c in standard.columns if c.type != "group" and c.slug not in used]
    issues.unused_entries = sorted(set(mapping.columns) - used_keys)
    return plan, issues


def _place_html(plan, issues, mapping, record, url, is_start, used_keys):
    if record is None:
        plan.drops[url] = "页面未能抽取出内容（见抽取报告）"
        return
    kind = record.get("kind")
    if kind == "other" or is_start:
        plan.home_urls.append(url)
        return
    path = record.get("column") or record.get("column_path") or []
    key, target = mapping.for_column(path)
    if target is None:
        if kind == "list":
            plan.list_pages[url] = None
        else:
            issues.unmapped_columns[column_key(path) or "（无栏目信息）"] += 1
            issues.unmapped_pages.append(url)
        return
    used_keys.add(key)
    if kind == "list":
        if target.drop:
            plan.drops[url] = f"栏目“{key}”已撤销：{target.drop}"
        else:
            plan.list_pages[url] = target.slug
        return
    _place_page(plan, issues, record, url, target, None)


def _place_page(plan, issues, record, url, target, _town):
    if target.drop:
        plan.drops[url] = target.drop
    elif record is None or record.get("kind") not in ("article", "list"):
        plan.home_urls.append(url)
    elif record.get("kind") == "list":
        plan.list_pages[url] = target.slug
    else:
        plan.articles.append({**record, "column": target.slug, "town": plan.slug})


def _settle_aliases(plan: TownPlan, cross_town: set[str]):
    """Point every alias at a URL that has a fate of its own; others become drops. Reposts of
    another township's document keep pointing there: that township's plan places it."""
    placed = {a["url"] for a in plan.articles} | set(plan.list_pages) | set(plan.home_urls) | set(plan.assets)
    for url in list(plan.aliases):
        if url in cross_town:
            continue
        target, seen = plan.aliases[url], {url}
        while target in plan.aliases and target not in seen:
            seen.add(target)
            target = plan.aliases[target]
        if target in placed:
            plan.aliases[url] = target
        else:
            del plan.aliases[url]
            plan.drops[url] = "旧站跳转到站外或未归档的地址，无法对应新页面"


def plan_all(config: Config, ledger: Ledger, towns, standard: Standard):
    return [plan_town(config, ledger, t.slug, standard) for t in towns]


def standard_path(config: Config) -> Path:
    return config.mappings / "standard.yaml"


def group_by_column(articles: list[dict]) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for rec in articles:
        grouped[rec["column"]].append(rec)
    return grouped
