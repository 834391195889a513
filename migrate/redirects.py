"""The redirect stage: one table of old URL → new URL (301) or gone (410), and every server format
generated from it.

Outputs in `output/redirects/`:

- `redirects.csv`   the table itself (UTF-8 with BOM so Excel opens it), one row per old URL;
- `nginx.conf`      an http-context snippet: a `map` from old host + request URI to the target and
                    one `server` block per old host;
- `apache.conf`     virtual hosts with mod_rewrite rules and a `RewriteMap`, whose txt map is
                    `apache-map.txt` beside it;
- `stubs/<host>/…`  static meta-refresh pages for hosts that can only serve files.

A request can reach a server in several spellings of the same old URL: query parameters in any
order, Chinese path segments percent-encoded in UTF-8 (browsers) or GBK (old pages, old crawlers),
or raw. Server maps therefore hold every spelling; `RedirectTable` instead normalises the request
before looking it up.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from migrate.errors import UserError
from migrate.newurls import SiteURLs
from migrate.urls import canonical_url

CSV_COLUMNS = ["old_url", "new_url", "status", "reason"]
STATUSES = (301, 410)
GONE = "gone"                      # map value meaning "answer 410"
# Directory index names old CMSs and servers used; `/col/` and `/col/index.html` are one page.
DEFAULT_DOCUMENTS = ("index.html", "index.htm", "index.shtml", "default.htm", "default.html",
                     "default.asp", "default.aspx", "index.asp", "index.php", "index.jsp")
MAX_PERMUTED_PARAMS = 4            # beyond this only the sorted query order is indexed (4! = 24)
DEFAULT_PORTS = (":80", ":443")
HIGH_ESCAPE = re.compile(r"%[89A-Fa-f][0-9A-Fa-f]")
NON_ASCII = re.compile(r"[^\x00-\x7f]+")
UNSAFE_IN_KEY = re.compile(r"[\x00-\x20\x7f]")
WINDOWS_UNSAFE = re.compile(r'[\\:*?"<>|\x00-\x1f]')
# Chinese characters, CJK punctuation and full-width forms: what GBK file names are made of.
CJK_RANGES = (("\u3000", "\u303f"), ("\u3400", "\u4dbf"), ("\u4e00", "\u9fff"),
              ("\uf900", "\ufaff"), ("\uff00", "\uffef"))


@dataclass
class Redirect:
    old_url: str           # canonical old URL (migrate.urls.canonical_url)
    new_url: str | None    # absolute on the county base_url; None for 410
    status: int            # 301 | 410
    reason: str            # Chinese: 文章迁移, 栏目迁移, 附件迁移, or why it was dropped


# --------------------------------------------------------------------------- keys

def _split_key(key: str) -> tuple[str, str]:
    """`host/path?query` → (host, `/path?query`)."""
    slash = key.find("/")
    return (key, "/") if slash < 0 else (key[:slash], key[slash:])


def normalise_host(host: str) -> str:
    """Host header → table host: lower-case, no trailing dot, no default port."""
    host = host.strip().lower().rstrip(".")
    for port in DEFAULT_PORTS:
        if host.endswith(port):
            return host[: -len(port)]
    return host


def _is_cjk(ch: str) -> bool:
    return any(lo <= ch <= hi for lo, hi in CJK_RANGES)


def _bytes_to_text(raw: bytes) -> str | None:
    """Decode path bytes as UTF-8, or as GBK when that is what they are.

    Some GBK byte pairs are also valid two-byte UTF-8 (`通知` in GBK reads as `֪ͨ`), so UTF-8
    that yields only two-byte characters (Latin, Greek, Cyrillic, Hebrew…) loses to a GBK reading
    that yields only Chinese characters."""
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is not None and not any("\x80" <= ch <= "\u07ff" for ch in utf8):
        return utf8
    try:
        gbk = raw.decode("gb18030")
    except UnicodeDecodeError:
        return utf8
    if utf8 is None or all(_is_cjk(ch) for ch in gbk if ch > "\x7f"):
        return gbk
    return utf8


def _decode_escapes(text: str) -> str:
    """Decode the percent-escapes of non-ASCII bytes (UTF-8 or GBK, see `_bytes_to_text`).
    ASCII escapes such as `%2F` stay encoded: decoding them would change the URL."""
    if not HIGH_ESCAPE.search(text):
        return text
    raw = HIGH_ESCAPE.sub(lambda m: chr(int(m.group()[1:], 16)), text).encode("latin-1")
    decoded = _bytes_to_text(raw)
    return text if decoded is None else decoded


def _encode_non_ascii(text: str, encoding: str) -> str | None:
    """Percent-encode the non-ASCII characters of `text` in `encoding` (None if impossible)."""
    try:
        return NON_ASCII.sub(lambda m: quote(m.group().encode(encoding), safe=""), text)
    except UnicodeEncodeError:
        return None


def url_key(url: str) -> str:
    """The table key of an absolute URL: `host/path?query`, canonical, non-ASCII as UTF-8."""
    return canonical_key(canonical_url(url))


@lru_cache(maxsize=1 << 18)
def canonical_key(url: str) -> str:
    """`url_key` of a URL that is already canonical (every `Redirect.old_url` is)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return normalise_host(parts.netloc) + _encode_non_ascii(_decode_escapes(target), "utf-8")


def _as_text_uri(request_uri: str | bytes) -> str:
    """Raw request bytes (or a str that carries them as latin-1, as `http.server` gives them)
    → a str whose non-ASCII bytes are percent-escaped, ready for `canonical_url`."""
    if isinstance(request_uri, str):
        if any("\x80" <= ch <= "\xff" for ch in request_uri) and all(ord(ch) < 256 for ch in request_uri):
            request_uri = request_uri.encode("latin-1")
        else:
            return request_uri
    return quote(request_uri, safe="".join(chr(c) for c in range(0x21, 0x7f)))


def request_key(host: str, request_uri: str | bytes) -> str:
    """Key of a request: Host header + request URI (path and query as sent)."""
    uri = _as_text_uri(request_uri)
    if re.match(r"^[a-z][a-z0-9+.-]*://", uri, re.I):      # absolute-form request target
        parts = urlsplit(uri)
        host, uri = parts.netloc, parts.path + (f"?{parts.query}" if parts.query else "")
    if not uri.startswith("/"):
        uri = "/" + uri
    return url_key(f"http://{normalise_host(host)}{uri}")


def _default_document_alternates(key: str) -> list[str]:
    """Other spellings of a directory page: `/col/` ↔ `/col/index.html` ↔ `/col`."""
    host, target = _split_key(key)
    path, sep, query = target.partition("?")
    tail = sep + query
    head, _, last = path.rpartition("/")
    if last == "":
        alternates = [path + doc for doc in DEFAULT_DOCUMENTS]
        if path != "/":
            alternates.append(path.rstrip("/"))
    elif last.lower() in DEFAULT_DOCUMENTS:
        alternates = [head + "/"] + [head + "/" + d for d in DEFAULT_DOCUMENTS if d != last.lower()]
        if head:
            alternates.append(head)
    elif "." not in last:
        alternates = [path + "/"] + [path + "/" + doc for doc in DEFAULT_DOCUMENTS]
    else:
        alternates = []
    return [host + alt + tail for alt in alternates]


def _query_orders(query: str) -> list[str]:
    """The query as sent may list its parameters in any order; the sorted one comes first."""
    params = query.split("&")
    if len(params) < 2 or len(params) > MAX_PERMUTED_PARAMS:
        return [query]
    orders = ["&".join(p) for p in itertools.permutations(params)]
    return sorted(set(orders), key=lambda q: (q != query, q))


def wire_forms(key: str) -> list[str]:
    """Spellings of one key as a request may carry it: UTF-8 escapes, GBK escapes, raw UTF-8;
    each with every order of the query parameters."""
    host, target = _split_key(key)
    decoded = _decode_escapes(target)
    spellings = [_encode_non_ascii(decoded, "utf-8"), _encode_non_ascii(decoded, "gb18030"), decoded]
    forms = []
    for spelling in spellings:
        if spelling is None or UNSAFE_IN_KEY.search(spelling):
            continue
        path, sep, query = spelling.partition("?")
        for order in _query_orders(query) if sep else [""]:
            form = host + path + (f"?{order}" if sep else "")
            if form not in forms:
                forms.append(form)
    return forms


def server_keys(redirects: list[Redirect]) -> tuple[dict[str, Redirect], int]:
    """Every spelling a server map needs → its redirect, deterministic and unique under ASCII
    case folding (nginx compares map keys case-insensitively and rejects duplicates).

    Exact spellings of an old URL win over directory-page alternates of another; among equals
    the first old URL in sorted order wins. Returns (keys, number of spellings left out)."""
    ordered = sorted(redirects, key=lambda r: r.old_url)
    keys: dict[str, Redirect] = {}
    owner: dict[bytes, Redirect] = {}
    clashes = 0

    def add(form: str, redirect: Redirect, exact: bool):
        nonlocal clashes
        fold = form.encode("utf-8").lower()
        if fold in owner:
            clashes += exact and owner[fold] is not redirect
            return
        owner[fold] = redirect
        keys[form] = redirect

    for redirect in ordered:
        for form in wire_forms(canonical_key(redirect.old_url)):
            add(form, redirect, exact=True)
    for redirect in ordered:
        for alternate in _default_document_alternates(canonical_key(redirect.old_url)):
            for form in wire_forms(alternate):
                add(form, redirect, exact=False)
    return keys, clashes


# --------------------------------------------------------------------------- table

def sibling_hosts(config) -> dict[str, list[str]]:
    """Old host → the other hosts of the same township site, in configuration order.

    One site is often reachable under several names (`www.` or not, a second port); the ledger
    keys each URL under the host it was crawled from, so a request under another name of the
    same site falls back to those."""
    siblings = {}
    for town in config.townships:
        hosts = [h.lower() for h in town.old_site.hosts]
        for host in hosts:
            siblings[host] = [h for h in hosts if h != host]
    return siblings


class RedirectTable:
    """Look requests up the way the generated server configs do: the exact spelling first, then
    directory-page alternates, then the same path on the other hosts of the same site."""

    def __init__(self, redirects: list[Redirect], siblings: dict[str, list[str]] | None = None):
        self.redirects = sorted(redirects, key=lambda r: r.old_url)
        self.siblings = siblings or {}
        self._by_key: dict[str, Redirect] = {}
        for redirect in self.redirects:
            self._by_key.setdefault(canonical_key(redirect.old_url), redirect)

    @classmethod
    def for_config(cls, config, redirects: list[Redirect]) -> "RedirectTable":
        return cls(redirects, sibling_hosts(config))

    def __len__(self) -> int:
        return len(self.redirects)

    def __iter__(self):
        return iter(self.redirects)

    @property
    def hosts(self) -> set[str]:
        return {_split_key(key)[0] for key in self._by_key}

    def get(self, old_url: str) -> Redirect | None:
        """The redirect of an absolute old URL (any spelling)."""
        return self._lookup_key(url_key(old_url))

    def lookup(self, host: str, request_uri: str | bytes) -> Redirect | None:
        """The redirect for a request to `host` (Host header) with `request_uri` (path and query
        as sent: UTF-8 or GBK escapes, raw bytes, parameters in any order)."""
        try:
            key = request_key(host, request_uri)
        except ValueError:          # a port that is not a number, a host IDNA rejects…
            return None
        return self._lookup_key(key)

    def _lookup_key(self, key: str) -> Redirect | None:
        host, target = _split_key(key)
        for candidate_host in [host, *self.siblings.get(host, [])]:
            candidate = candidate_host + target
            found = self._by_key.get(candidate)
            if found is None:
                found = next((self._by_key[k] for k in _default_document_alternates(candidate)
                              if k in self._by_key), None)
            if found is not None:
                return found
        return None


# --------------------------------------------------------------------------- CSV

def _row_error(path, line: int, message: str) -> UserError:
    return UserError(f"重定向表此行有误：{message}", path=path, line=line,
                     hint="请修正该行（列依次为 old_url,new_url,status,reason），或重新运行 sitemigrate build 生成。")


def _parse_row(path, line: int, row: list[str]) -> Redirect:
    if len(row) != len(CSV_COLUMNS):
        raise _row_error(path, line, f"应有 4 列，实际 {len(row)} 列。")
    old_url, new_url, status, reason = (cell.strip() for cell in row)
    if not re.match(r"^https?://[^/\s]+", old_url):
        raise _row_error(path, line, f"old_url 不是带主机名的绝对地址：{old_url!r}。")
    if status not in ("301", "410"):
        raise _row_error(path, line, f"status 只能是 301 或 410，实际是 {status!r}。")
    if status == "301" and not re.match(r"^https?://[^/\s]+", new_url):
        raise _row_error(path, line, f"301 跳转的 new_url 应为绝对地址，实际是 {new_url!r}。")
    if status == "410" and new_url:
        raise _row_error(path, line, f"410（已下线）的行 new_url 应为空，实际是 {new_url!r}。")
    if not reason:
        raise _row_error(path, line, "reason（原因）为空。")
    try:
        old_url = canonical_url(old_url)
    except ValueError as exc:
        raise _row_error(path, line, f"old_url 无法解析：{old_url!r}（{exc}）。") from None
    return Redirect(old_url, new_url or None, int(status), reason)


def iter_redirect_rows(path: str | Path):
    """Yield (line number, Redirect) for each row of a redirects.csv, validating as it goes."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UserError("找不到重定向表。", path=path, hint="请先运行 sitemigrate build 生成。") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise _row_error(path, line, "不是 UTF-8 编码（用 Excel 编辑后请另存为“CSV UTF-8”）。") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != CSV_COLUMNS:
        raise UserError(f"重定向表第 1 行应为表头 {','.join(CSV_COLUMNS)}，实际是 {header!r}。",
                        path=path, line=1, hint="请不要删改表头。")
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _row_error(path, line, f"CSV 格式错误（{exc}）。") from None
        if any(cell.strip() for cell in row):
            yield line, _parse_row(path, line, row)


def load_redirects(path: str | Path) -> list[Redirect]:
    """Read a redirects.csv back; a bad or repeated row raises UserError naming file and line."""
    seen: dict[str, int] = {}
    redirects = []
    for line, redirect in iter_redirect_rows(path):
        if redirect.old_url in seen:
            raise _row_error(path, line, f"旧地址 {redirect.old_url} 与第 {seen[redirect.old_url]} 行重复，"
                                         "每个旧地址只能有一行。")
        seen[redirect.old_url] = line
        redirects.append(redirect)
    return redirects


def _csv_bytes(redirects: list[Redirect]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in redirects:
        writer.writerow([r.old_url, r.new_url or "", r.status, r.reason])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _unique_sorted(redirects) -> list[Redirect]:
    """Canonicalise, drop exact repeats, refuse one old URL with two different fates."""
    by_url: dict[str, Redirect] = {}
    for r in redirects:
        if r.status not in STATUSES:
            raise UserError(f"重定向 {r.old_url} 的状态码 {r.status} 无效，只能是 301 或 410。")
        if r.status == 301 and not r.new_url:
            raise UserError(f"重定向 {r.old_url} 是 301 跳转却没有新地址。",
                            hint="请检查该地址在栏目映射中的去向。")
        r = Redirect(canonical_url(r.old_url), r.new_url if r.status == 301 else None,
                     r.status, r.reason)
        known = by_url.setdefault(r.old_url, r)
        if (known.new_url, known.status) != (r.new_url, r.status):
            raise UserError(f"旧地址 {r.old_url} 有两个不同的去向：{known.new_url or '410'} 和 "
                            f"{r.new_url or '410'}。", hint="请检查栏目映射，一个旧地址只能对应一个新地址。")
    return [by_url[url] for url in sorted(by_url)]


# --------------------------------------------------------------------------- pages

def channel_home(config, town: str | None) -> str:
    """Absolute URL of a township's channel home (the county channel if the town is unknown)."""
    urls = SiteURLs(config.county.channel_path)
    path = urls.town_home(town) if town else urls.channel + "/"
    return config.county.base_url + path


def _page(title: str, paragraphs: list[str], links: list[tuple[str, str]]) -> str:
    items = "".join(f"<p>{p}</p>" for p in paragraphs)
    anchors = " ".join(f"<a href='{html.escape(u)}'>{html.escape(t)}</a>" for t, u in links)
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            "<meta name='robots' content='noindex'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(title)}</title></head>"
            "<body style='font-family:sans-serif;max-width:40em;margin:3em auto;line-height:1.7'>"
            f"<h1>{html.escape(title)}</h1>{items}<p>{anchors}</p></body></html>")


def gone_page(config, town: str | None, reason: str | None = None, home: str | None = None) -> str:
    """The 410 page: the content was deliberately not migrated; link to the new channel home."""
    home = home or channel_home(config, town)
    name = _town_name(config, town)
    site = html.escape(config.county.site_name)
    paragraphs = [f"您访问的{html.escape(name)}原网站页面已下线，相关内容没有迁移到{site}网站。"]
    if reason:
        paragraphs.append(f"原因：{html.escape(reason)}")
    paragraphs.append(f"{html.escape(name)}原网站已整合到{site}网站，请通过下面的链接访问现有栏目。")
    return _page("该页面已下线", paragraphs, [(f"{name}频道首页", home),
                                           (config.county.site_name, config.county.base_url + "/")])


def not_found_page(config, town: str | None, home: str | None = None) -> str:
    """The 404 page for an old URL nobody recorded."""
    home = home or channel_home(config, town)
    name = _town_name(config, town)
    paragraphs = [f"{html.escape(name)}原网站已整合至{html.escape(config.county.site_name)}网站，"
                  "但没有找到您访问的这个页面。",
                  "请从下面的频道首页查找所需内容。"]
    return _page("页面不存在", paragraphs, [(f"{name}频道首页", home),
                                         (config.county.site_name, config.county.base_url + "/")])


def stub_page(target: str) -> str:
    """A static page that sends the browser on to `target` (meta refresh, script and a link)."""
    attr = html.escape(target, quote=True)
    script = json.dumps(target).replace("</", "<\\/")
    return ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            f"<meta http-equiv='refresh' content='0; url={attr}'>"
            f"<link rel='canonical' href='{attr}'><meta name='robots' content='noindex'>"
            f"<title>页面已迁移</title><script>location.replace({script});</script></head>"
            f"<body><p>本页面已迁移至 <a href='{attr}'>{attr}</a>，如未自动跳转请点击链接。</p></body></html>")


def _town_name(config, town: str | None) -> str:
    if town:
        return next((t.name for t in config.townships if t.slug == town), town)
    return "乡镇（街道）"


# --------------------------------------------------------------------------- nginx

def _quoted(text: str) -> str:
    """A double-quoted string for nginx and Apache configs (both escape with backslashes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _nginx_body(page: str) -> str:
    """A response body for `return`: nginx would expand `$name` inside it."""
    return _quoted(page.replace("$", "&#36;"))


def _map_value(redirect: Redirect) -> str:
    # `$` would start a variable in a map value; `%24` is the same URL.
    return GONE if redirect.status == 410 else redirect.new_url.replace("$", "%24")


def _server_blocks(config, hosts: list[str]):
    """(host, name without port, port, township slug or None, comment line) per old host."""
    towns = config.town_host_index()
    for host in hosts:
        name, _, port = host.partition(":")
        town = towns.get(host)
        yield host, name, port or "80", town, f"# {_town_name(config, town)}旧站 {host}"


def _power_of_two(n: int) -> int:
    return 1 << max(0, n - 1).bit_length()


def _old_hosts(config, redirects: list[Redirect]) -> list[str]:
    hosts = set(config.town_host_index())
    hosts |= {_split_key(canonical_key(r.old_url))[0] for r in redirects}
    return sorted(hosts)


def render_nginx(config, keys: dict[str, Redirect], hosts: list[str]) -> str:
    siblings = sibling_hosts(config)
    longest = max((len(k.encode("utf-8")) for k in keys), default=64)
    bucket = max(128, _power_of_two(longest + 32))
    size = max(4096, _power_of_two(len(keys) * 2))
    lines = [
        "# sitemigrate 生成的 nginx 重定向配置，请勿手工修改（重新运行 sitemigrate build 会覆盖）。",
        "# 用法：在 nginx.conf 的 http { } 块中 include 本文件，然后 nginx -t && nginx -s reload。",
        "# 旧站域名解析到本服务器后，旧地址按映射表 301 跳转到新地址，已下线内容返回 410。",
        "# 如旧站曾使用 HTTPS，请在对应 server 块中加上 listen 443 ssl 及证书配置。",
        f"# 映射键 {len(keys)} 个。",
        "",
        f"map_hash_max_size {size};",
        f"map_hash_bucket_size {bucket};",
        "",
        "# volatile：同一请求中改变 $sitemigrate_site 后重新查表（依次尝试同一旧站的其他主机名）。",
        "map $sitemigrate_site$request_uri $sitemigrate_target {",
        "    volatile;",
        '    default "";',
    ]
    lines += [f"    {_quoted(k)} {_quoted(_map_value(r))};" for k, r in sorted(keys.items())]
    lines += ["}", ""]
    for host, name, port, town, comment in _server_blocks(config, hosts):
        lines += [
            comment,
            "server {",
            f"    listen {port};",
            f"    server_name {name};",
            f"    set $sitemigrate_site {_quoted(host)};",
            *(f'    if ($sitemigrate_target = "") {{ set $sitemigrate_site {_quoted(other)}; }}'
              for other in siblings.get(host, [])),
            "    default_type text/html;",
            "    charset utf-8;",
            f"    if ($sitemigrate_target = {GONE}) {{ return 410 {_nginx_body(gone_page(config, town))}; }}",
            "    if ($sitemigrate_target) { return 301 $sitemigrate_target; }",
            f"    return 404 {_nginx_body(not_found_page(config, town))};",
            "}",
            "",
        ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- Apache

APACHE_MAP = "apache-map.txt"
APACHE_GONE = "GONE"


def _apache_rules(site: str) -> list[str]:
    """Rewrite rules answering from the map entries of one old host."""
    # THE_REQUEST keeps the URI exactly as sent (escapes and query intact), like nginx's
    # $request_uri.
    lookup = f"${{sitemigrate:{site}%1|NONE}}"
    return [
        '    RewriteCond %{THE_REQUEST} "^\\S+\\s+(\\S+)"',
        f'    RewriteCond "{lookup}" "^(https?://.+)$"',
        "    RewriteRule ^ %1 [R=301,NE,QSD,L]",
        '    RewriteCond %{THE_REQUEST} "^\\S+\\s+(\\S+)"',
        f'    RewriteCond "{lookup}" "={APACHE_GONE}"',
        "    RewriteRule ^ - [G,L]",
    ]


def render_apache(config, hosts: list[str]) -> str:
    siblings = sibling_hosts(config)
    lines = [
        "# sitemigrate 生成的 Apache 重定向配置，请勿手工修改（重新运行 sitemigrate build 会覆盖）。",
        "# 需要 mod_rewrite。把本目录复制到服务器（默认 /etc/apache2/sitemigrate），",
        "# 或在 include 本文件之前 Define SITEMIGRATE_REDIRECTS 为本目录的实际路径。",
        "# 非 80 端口的旧站还需要相应的 Listen 指令；旧站曾用 HTTPS 的，请另加 443 虚拟主机及证书。",
        f"# 映射表 {APACHE_MAP} 的每行为“旧主机+请求地址 目标地址”，{APACHE_GONE} 表示返回 410。",
        "",
        "<IfDefine !SITEMIGRATE_REDIRECTS>",
        "    Define SITEMIGRATE_REDIRECTS /etc/apache2/sitemigrate",
        "</IfDefine>",
        f'RewriteMap sitemigrate "txt:${{SITEMIGRATE_REDIRECTS}}/{APACHE_MAP}"',
        "",
    ]
    for host, name, port, town, comment in _server_blocks(config, hosts):
        lines += [
            comment,
            f"<VirtualHost *:{port}>",
            f"    ServerName {name}",
            f"    ErrorDocument 410 {_quoted(gone_page(config, town))}",
            f"    ErrorDocument 404 {_quoted(not_found_page(config, town))}",
            "    RewriteEngine On",
        ]
        for site in [host, *siblings.get(host, [])]:
            lines += _apache_rules(site)
        lines += ["    RewriteRule ^ - [R=404,L]", "</VirtualHost>", ""]
    return "\n".join(lines)


def render_apache_map(keys: dict[str, Redirect]) -> str:
    lines = ["# sitemigrate 生成：旧主机+请求地址 目标地址（GONE = 410）"]
    for key, redirect in sorted(keys.items()):
        if redirect.status == 301 and UNSAFE_IN_KEY.search(redirect.new_url):
            continue
        lines.append(f"{key} {redirect.new_url if redirect.status == 301 else APACHE_GONE}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- static stubs

STUB_README = """\
本目录是旧站地址的静态跳转页，供只能存放静态文件、无法配置 nginx/Apache 的旧站服务器使用。
把 <旧主机名>/ 下的全部内容复制到该旧站的网站根目录即可（端口号中的冒号已改为下划线）。

- 每个页面用 meta refresh、脚本和链接三种方式把访问者带到新地址；已下线的内容显示说明页。
- 静态页面无法返回真正的 301/410 状态码，搜索引擎更新较慢；能配置服务器时请优先使用 nginx.conf 或 apache.conf。
- 带查询参数的旧地址（如 show.asp?id=12）无法用静态文件跳转，已列在 query-urls.csv 中，需要在服务器上配置。
- 附件等非网页地址（如 .pdf、.doc）的跳转页只有在服务器按 text/html 返回时才会生效，已列在 non-html-stubs.csv 中。
- 用 GBK 编码请求中文文件名的旧地址无法匹配静态文件，请尽量使用服务器配置。
- 同一旧站有多个主机名（如带与不带 www）时，各主机名的网站根目录都应放入同一份跳转页。
"""
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")


def _stub_relpath(key: str) -> str | None:
    """`host/a/中文.html` → `host/a/中文.html`; directories get `index.html`; None if the path
    cannot be a portable file name."""
    host, path = _split_key(key)
    segments = []
    for raw in path.split("/")[1:]:
        decoded = _decode_escapes(raw)
        if HIGH_ESCAPE.search(decoded):          # neither UTF-8 nor GBK: no sensible file name
            return None
        segments.append(unquote(decoded))
    last = segments[-1] if segments else ""
    if last == "":
        segments[-1:] = ["index.html"]
    elif "." not in last:
        segments.append("index.html")
    for segment in segments:
        if (segment in ("", ".", "..") or "/" in segment or WINDOWS_UNSAFE.search(segment)
                or len(segment.encode()) > 200):
            return None
    return "/".join([host.replace(":", "_"), *segments])


def _plan_stubs(config, redirects: list[Redirect]) -> tuple[dict[str, bytes], dict]:
    """Stub file (relative path) → content, plus the index files and counts."""
    towns = config.town_host_index()
    files: dict[str, bytes] = {}
    dirs: set[str] = set()
    query_rows, non_html_rows, skipped = [], [], 0
    for redirect in redirects:
        key = canonical_key(redirect.old_url)
        if "?" in key:
            query_rows.append(redirect)
            continue
        rel = _stub_relpath(key)
        parents = {rel.rsplit("/", i)[0] for i in range(1, rel.count("/") + 1)} if rel else set()
        if rel is None or rel in files or rel in dirs or any(p in files for p in parents):
            skipped += 1                   # a file where a folder must be, or an unusable name
            continue
        dirs |= parents
        if redirect.status == 301:
            page = stub_page(redirect.new_url)
        else:
            page = gone_page(config, towns.get(_split_key(key)[0]), redirect.reason)
        if not rel.lower().endswith(HTML_SUFFIXES):
            non_html_rows.append(redirect)
        files[rel] = page.encode("utf-8")
    counts = {"stubs": len(files), "query_urls": len(query_rows),
              "non_html_stubs": len(non_html_rows), "stubs_skipped": skipped}
    files["README.txt"] = STUB_README.encode("utf-8")
    files["query-urls.csv"] = _csv_bytes(query_rows)
    files["non-html-stubs.csv"] = _csv_bytes(non_html_rows)
    return files, counts


def _sync_folder(folder: Path, files: dict[str, bytes]):
    """Make `folder` hold exactly `files`, writing only what changed (large stub trees re-run
    fast and keep their timestamps)."""
    folder.mkdir(parents=True, exist_ok=True)
    for dirpath, dirnames, names in os.walk(folder, topdown=False):
        for name in names:
            path = Path(dirpath) / name
            if path.relative_to(folder).as_posix() not in files:
                path.unlink()
        if Path(dirpath) != folder and not any(Path(dirpath).iterdir()):
            Path(dirpath).rmdir()
    for rel, data in files.items():
        path = folder / rel
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                continue
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


# --------------------------------------------------------------------------- writing

def _write(path: Path, data: bytes):
    """Write via a temporary file so a server reloading meanwhile never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_redirects(config, redirects: list[Redirect]) -> dict:
    """Write redirects.csv, nginx.conf, apache.conf (+ map) and static stubs; return counts.

    The same redirects always give the same bytes, so a commit of the output shows only real
    changes."""
    redirects = _unique_sorted(redirects)
    out = Path(config.redirects_dir)
    keys, clashes = server_keys(redirects)
    hosts = _old_hosts(config, redirects)
    _write(out / "redirects.csv", _csv_bytes(redirects))
    _write(out / "nginx.conf", render_nginx(config, keys, hosts).encode("utf-8"))
    _write(out / "apache.conf", render_apache(config, hosts).encode("utf-8"))
    _write(out / APACHE_MAP, render_apache_map(keys).encode("utf-8"))
    counts = {
        "redirects": len(redirects),
        "moved": sum(r.status == 301 for r in redirects),
        "gone": sum(r.status == 410 for r in redirects),
        "hosts": len(hosts),
        "server_keys": len(keys),
        "key_clashes": clashes,
    }
    stub_files, stub_counts = _plan_stubs(config, redirects)
    _sync_folder(out / "stubs", stub_files)
    counts.update(stub_counts)
    return counts
