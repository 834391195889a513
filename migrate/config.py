"""Workspace configuration: `sitemigrate.yaml` at the workspace root.

Loaded into plain dataclasses; every validation error names the key, its line and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from migrate.errors import ConfigError
from migrate.yamlio import Located, load_yaml

CONFIG_NAME = "sitemigrate.yaml"
SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
SITE_ID_RE = re.compile(r"^(\d{10}|bm\d{8})$")
SPIDER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class County:
    name: str
    site_name: str
    base_url: str
    site_id: str
    icp: str
    police_record: str
    sponsor: str
    organizer: str = ""
    contact: str = ""
    channel_path: str = "xzjd"

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).netloc


@dataclass
class OldSite:
    start_urls: list[str]
    hosts: list[str]
    encoding: str | None = None
    spider: str | None = None
    obey_robots: bool | None = None


@dataclass
class Township:
    slug: str
    name: str
    old_site: OldSite


@dataclass
class CrawlSettings:
    proxy: str | None = None
    concurrency_per_host: int = 2
    delay: float = 0.5
    retries: int = 3
    timeout: float = 30.0
    user_agent: str = "sitemigrate/0.1 (+county site migration; contact the county web office)"
    obey_robots: bool = True
    max_pages: int = 50000
    max_depth: int = 30
    max_bytes: int = 2 * 1024**3
    max_file_bytes: int = 200 * 1024**2
    max_seconds: float | None = None
    # "asyncio": our own small engine (migrate.crawl.engine), several times faster per URL;
    # "scrapy": Scrapy's engine and downloader. Both run the same spiders and write the same
    # archive and ledger; the distributed mode (--redis) always uses Scrapy's.
    engine: str = "asyncio"
    # Townships crawled side by side (never two sharing a server): each mostly waits on its
    # own slow server, so more at once finish a county sooner at no cost to any one server.
    towns_at_once: int = 4


ENGINES = ("asyncio", "scrapy")


@dataclass
class Hosting:
    repo: str | None = None
    branch: str = "main"
    subdir: str = ""


@dataclass
class Config:
    root: Path
    county: County
    townships: list[Township]
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    hosting: Hosting = field(default_factory=Hosting)
    workdir: Path = Path("work")
    output: Path = Path("output")
    mappings: Path = Path("mappings")
    theme: Path = Path("templates")
    path: Path | None = None

    def township(self, slug: str) -> Township:
        for town in self.townships:
            if town.slug == slug:
                return town
        known = "、".join(t.slug for t in self.townships)
        raise ConfigError(f"未知的乡镇 “{slug}”。", path=self.path,
                          hint=f"sitemigrate.yaml 中已配置的乡镇有：{known}。")

    def select(self, slugs) -> list[Township]:
        return [self.township(s) for s in slugs] if slugs else list(self.townships)

    @property
    def site_dir(self) -> Path:
        return self.output / "site"

    @property
    def redirects_dir(self) -> Path:
        return self.output / "redirects"

    @property
    def reports_dir(self) -> Path:
        return self.output / "reports"

    @property
    def ledger_path(self) -> Path:
        return self.workdir / "state.sqlite"

    def archive_dir(self, town: str) -> Path:
        return self.workdir / "archive" / town

    def records_path(self, town: str) -> Path:
        return self.workdir / "records" / f"{town}.jsonl"

    def town_host_index(self) -> dict[str, str]:
        """Lower-cased old host (with port if any) → township slug."""
        index = {}
        for town in self.townships:
            for host in town.old_site.hosts:
                index[host.lower()] = town.slug
        return index


class _Reader:
    """Typed access to one mapping of the YAML, raising errors that name key and line."""

    def __init__(self, located: Located, keys: tuple, data):
        self.located = located
        self.keys = keys
        self.data = data

    def fail(self, key, message: str, hint: str | None = None):
        dotted = ".".join(str(k) for k in self.keys + ((key,) if key is not None else ()))
        raise ConfigError(f"配置项 `{dotted}` {message}", path=self.located.path,
                          line=self.located.line(*self.keys, *(() if key is None else (key,))),
                          hint=hint)

    def sub(self, key, required=True) -> "_Reader | None":
        value = self.data.get(key) if isinstance(self.data, dict) else None
        if value is None:
            if required:
                self.fail(key, "缺失。", "请参照 README 中的配置示例补上。")
            return None
        if not isinstance(value, dict):
            self.fail(key, "应为键值映射（key: value 形式）。")
        return _Reader(self.located, self.keys + (key,), value)

    def get(self, key, kind=str, default=..., allowed: str = ""):
        if key not in self.data or self.data[key] is None:
            if default is ...:
                self.fail(key, "缺失。", allowed or "请补上该项。")
            return default
        value = self.data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = {str: "文本", int: "整数", float: "数字", bool: "true 或 false", list: "列表"}
            self.fail(key, f"应为{names.get(kind, kind.__name__)}，实际是 {value!r}。", allowed or None)
        return value

    def check_keys(self, allowed_keys):
        for key in self.data:
            if key not in allowed_keys:
                self.fail(key, "不是可识别的配置项。",
                          f"允许的配置项有：{'、'.join(allowed_keys)}。")


def _read_county(r: _Reader) -> County:
    r.check_keys(["name", "site_name", "base_url", "site_id", "icp", "police_record", "sponsor",
                  "organizer", "contact", "channel_path"])
    base_url = r.get("base_url").rstrip("/")
    if not re.match(r"^https?://[^/\s]+$", base_url):
        r.fail("base_url", f"应为站点根地址，如 https://www.example.gov.cn，实际是 {base_url!r}。")
    site_id = r.get("site_id")
    if not SITE_ID_RE.match(site_id):
        r.fail("site_id", f"网站标识码应为 10 位数字（或 bm 加 8 位数字），实际是 {site_id!r}。")
    channel_path = r.get("channel_path", default="xzjd")
    if not re.match(r"^[a-z0-9][a-z0-9/_-]*$", channel_path):
        r.fail("channel_path", "只能包含小写字母、数字、-、_ 和 /。")
    return County(
        name=r.get("name"), site_name=r.get("site_name"), base_url=base_url, site_id=site_id,
        icp=r.get("icp"), police_record=r.get("police_record"), sponsor=r.get("sponsor"),
        organizer=r.get("organizer", default=""), contact=r.get("contact", default=""),
        channel_path=channel_path.strip("/"),
    )


def _read_old_site(r: _Reader) -> OldSite:
    r.check_keys(["start_urls", "hosts", "encoding", "spider", "obey_robots"])
    start_urls = r.get("start_urls", list)
    if not start_urls:
        r.fail("start_urls", "不能为空。", "请至少写一个旧站首页地址。")
    for url in start_urls:
        if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url):
            r.fail("start_urls", f"含有无效地址 {url!r}。", "地址应以 http:// 或 https:// 开头。")
    hosts = r.get("hosts", list, default=[])
    hosts = [str(h).lower() for h in hosts]
    for url in start_urls:
        host = urlsplit(url).netloc.lower()
        if host not in hosts:
            hosts.append(host)
    encoding = r.get("encoding", default=None)
    if encoding is not None:
        import codecs
        try:
            codecs.lookup(encoding)
        except LookupError:
            r.fail("encoding", f"不是已知的字符编码：{encoding!r}。", "常见取值：gbk、gb18030、utf-8、big5。")
    spider = r.get("spider", default=None)
    if spider is not None and not SPIDER_RE.match(spider):
        r.fail("spider", f"应为 spiders/ 中的爬虫名，实际是 {spider!r}。")
    return OldSite(start_urls=start_urls, hosts=hosts, encoding=encoding, spider=spider,
                   obey_robots=r.get("obey_robots", bool, default=None))


def _read_townships(located: Located, data) -> list[Township]:
    towns_data = data.get("townships")
    root = _Reader(located, (), data)
    if not isinstance(towns_data, list) or not towns_data:
        root.fail("townships", "应为非空列表，每项一个乡镇（slug、name、old_site）。")
    towns, seen = [], set()
    for i, item in enumerate(towns_data):
        if not isinstance(item, dict):
            _Reader(located, ("townships",), {}).fail(i, "应为键值映射。")
        r = _Reader(located, ("townships", i), item)
        r.check_keys(["slug", "name", "old_site"])
        slug = r.get("slug")
        if not SLUG_RE.match(slug):
            r.fail("slug", f"应为小写字母开头、由小写字母/数字/- 组成的短名（如 taoyuan），实际是 {slug!r}。")
        if slug in seen:
            r.fail("slug", f"与前面的乡镇重复：{slug!r}。")
        seen.add(slug)
        towns.append(Township(slug=slug, name=r.get("name"), old_site=_read_old_site(r.sub("old_site"))))
    return towns


def _read_crawl(r: _Reader | None) -> CrawlSettings:
    settings = CrawlSettings()
    if r is None:
        return settings
    kinds = {"proxy": str, "concurrency_per_host": int, "delay": float, "retries": int,
             "timeout": float, "user_agent": str, "obey_robots": bool, "max_pages": int,
             "max_depth": int, "max_bytes": int, "max_file_bytes": int, "max_seconds": float,
             "engine": str, "towns_at_once": int}
    r.check_keys(list(kinds))
    for key, kind in kinds.items():
        value = r.get(key, kind, default=None)
        if value is not None:
            if kind in (int, float) and value < 0:
                r.fail(key, "不能为负数。")
            setattr(settings, key, value)
    if settings.engine not in ENGINES:
        r.fail("engine", f"只能是 {' 或 '.join(ENGINES)}。")
    if settings.towns_at_once < 1:
        r.fail("towns_at_once", "至少为 1（1 表示逐个乡镇归档）。")
    return settings


def _read_hosting(r: _Reader | None) -> Hosting:
    if r is None:
        return Hosting()
    r.check_keys(["repo", "branch", "subdir"])
    return Hosting(repo=r.get("repo", default=None), branch=r.get("branch", default="main"),
                   subdir=r.get("subdir", default="").strip("/"))


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate `sitemigrate.yaml` (or the given file)."""
    path = Path(path) if path else Path.cwd() / CONFIG_NAME
    if not path.exists():
        raise ConfigError("找不到工作区配置文件。", path=path,
                          hint="请在工作区根目录创建 sitemigrate.yaml（示例见 README），或用 --config 指定。")
    located = load_yaml(path, ConfigError)
    data = located.data
    if not isinstance(data, dict):
        raise ConfigError("文件内容应为键值映射（county、townships 等）。", path=path, line=1)
    top = _Reader(located, (), data)
    top.check_keys(["county", "townships", "crawl", "hosting", "workdir", "output", "mappings", "theme"])
    root = path.resolve().parent

    def rel(key, default):
        return (root / top.get(key, default=default)).resolve()

    return Config(
        root=root,
        county=_read_county(top.sub("county")),
        townships=_read_townships(located, data),
        crawl=_read_crawl(top.sub("crawl", required=False)),
        hosting=_read_hosting(top.sub("hosting", required=False)),
        workdir=rel("workdir", "work"),
        output=rel("output", "output"),
        mappings=rel("mappings", "mappings"),
        theme=rel("theme", "templates"),
        path=path,
    )
