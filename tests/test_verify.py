"""verify: every archived URL has one redirect, targets exist, no chains, no broken links.

`make_workspace` builds a small migrated county site by hand (config, ledger, output/site and the
redirect table); the preview and publish tests use it too.
"""

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from migrate.config import Config, load_config
from migrate.ledger import Ledger
from migrate.newurls import SiteURLs, path_to_file
from migrate.redirects import Redirect, write_redirects
from migrate.verify import page_links, verify

BASE = "https://www.yunxi.gov.cn"
TAOYUAN = "http://www.taoyuan.yunxi.gov.cn"
LIUHE = "http://www.liuhe.yunxi.gov.cn"
ATTACHMENT_NAME = "关于春耕的通知.pdf"
# The old page linked the attachment with its name percent-encoded in GBK.
OLD_ATTACHMENT = TAOYUAN + "/uploads/" + quote(ATTACHMENT_NAME.encode("gbk"))
OLD_ARTICLE = TAOYUAN + "/gzdt/202301/t20230105_1234.html"
OLD_COLUMN = TAOYUAN + "/gzdt/index.html"
OLD_DROPPED = TAOYUAN + "/ldxx/index.html"
OLD_LIUHE_ARTICLE = LIUHE + "/show.asp?classid=3&id=12"
OLD_LIUHE_HOME = "http://www.liuhe.yunxi.gov.cn:8080/"
DROP_REASON = "领导信箱栏目已停用"

COUNTY = {"name": "云溪县", "site_name": "云溪县人民政府", "base_url": BASE, "site_id": "4309990001",
          "icp": "湘ICP备20001234号-1", "police_record": "湘公网安备43099902000123号",
          "sponsor": "云溪县人民政府办公室"}
TOWNSHIPS = [("taoyuan", "桃源镇", ["www.taoyuan.yunxi.gov.cn", "taoyuan.yunxi.gov.cn"]),
             ("liuhe", "柳河街道", ["www.liuhe.yunxi.gov.cn", "www.liuhe.yunxi.gov.cn:8080"])]


def config_yaml() -> str:
    towns = [{"slug": slug, "name": name,
              "old_site": {"start_urls": [f"http://{hosts[0]}/"], "hosts": hosts}}
             for slug, name, hosts in TOWNSHIPS]
    data = {"county": COUNTY, "hosting": {"repo": "hosting", "branch": "main"}, "townships": towns}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@dataclass
class Workspace:
    root: Path
    config: Config
    redirects: list[Redirect]
    targets: dict[str, str]          # old URL -> new site path

    def site_file(self, old_url: str) -> Path:
        return self.config.site_dir / path_to_file(self.targets[old_url])

    def ledger(self) -> Ledger:
        return Ledger(self.config.ledger_path)


def _page(title: str, links: list[str]) -> str:
    anchors = "\n".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return textwrap.dedent(f"""\
        <!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
        <link rel="stylesheet" href="/theme/site.css"></head>
        <body><h1>{title}</h1><ul>
        {anchors}
        </ul><script>var x = '<a href="/not-a-link.html">';</script></body></html>
        """)


def make_workspace(root: Path) -> Workspace:
    """A two-township county site as build and redirect would leave it."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sitemigrate.yaml").write_text(config_yaml(), encoding="utf-8")
    config = load_config(root / "sitemigrate.yaml")
    urls = SiteURLs(config.county.channel_path)
    targets = {
        TAOYUAN + "/": urls.town_home("taoyuan"),
        OLD_COLUMN: urls.column("taoyuan", "gzdt"),
        OLD_ARTICLE: urls.article("taoyuan", "gzdt", OLD_ARTICLE),
        OLD_ATTACHMENT: urls.file("taoyuan", OLD_ATTACHMENT, ATTACHMENT_NAME),
        LIUHE + "/": urls.town_home("liuhe"),
        OLD_LIUHE_HOME: urls.town_home("liuhe"),
        OLD_LIUHE_ARTICLE: urls.article("liuhe", "tzgg", OLD_LIUHE_ARTICLE),
    }
    reasons = {OLD_COLUMN: "栏目迁移", OLD_ATTACHMENT: "附件迁移", OLD_ARTICLE: "文章迁移",
               OLD_LIUHE_ARTICLE: "文章迁移"}
    article, attachment = targets[OLD_ARTICLE], targets[OLD_ATTACHMENT]
    pages = {
        "/": _page("云溪县人民政府", ["/xzjd/taoyuan/", "/xzjd/liuhe/", "mailto:zfb@yunxi.gov.cn",
                                   "https://www.gov.cn/", "#top"]),
        "/xzjd/taoyuan/": _page("桃源镇", ["gzdt/", "../liuhe/", "/"]),
        "/xzjd/taoyuan/gzdt/": _page("工作动态", [article.rsplit("/", 1)[1], "../", "?page=1"]),
        article: _page("春耕通知", ["../files/" + attachment.split("/files/")[1].replace(
            ATTACHMENT_NAME, quote(ATTACHMENT_NAME)), "./", "/xzjd/taoyuan/gzdt/index.html#list"]),
        "/xzjd/liuhe/": _page("柳河街道", [targets[OLD_LIUHE_ARTICLE], "/xzjd/taoyuan"]),
        targets[OLD_LIUHE_ARTICLE]: _page("通知", ["/xzjd/liuhe/"]),
    }
    site = config.site_dir
    for path, text in pages.items():
        file = site / path_to_file(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    (site / path_to_file(attachment)).parent.mkdir(parents=True)
    (site / path_to_file(attachment)).write_bytes(b"%PDF-1.4 spring ploughing notice\n")
    (site / "theme").mkdir()
    (site / "theme" / "site.css").write_text("body{background:url('img/bg.png')}", encoding="utf-8")
    (site / "theme" / "img").mkdir()
    (site / "theme" / "img" / "bg.png").write_bytes(b"\x89PNG fake")

    redirects = [Redirect(old, BASE + quote(path), 301, reasons.get(old, "首页迁移"))
                 for old, path in targets.items()]
    redirects.append(Redirect(OLD_DROPPED, None, 410, DROP_REASON))
    write_redirects(config, redirects)
    with Ledger(config.ledger_path) as ledger:
        for redirect in redirects:
            town = "liuhe" if "liuhe" in redirect.old_url else "taoyuan"
            ledger.upsert_url(town, redirect.old_url, state="fetched", status=200)
        ledger.upsert_url("taoyuan", TAOYUAN + "/search.jsp", state="excluded", rule="search")
    return Workspace(root, config, redirects, targets)


@pytest.fixture
def ws(tmp_path):
    return make_workspace(tmp_path / "county")


def run_verify(ws: Workspace, **kwargs):
    with ws.ledger() as ledger:
        return verify(ws.config, ledger, **kwargs)


def kinds(report) -> set[str]:
    return {p.kind for p in report.problems}


def test_clean_workspace_passes_and_writes_reports(ws):
    calls = []
    report = run_verify(ws, progress=lambda done, total, label: calls.append((done, total)))
    assert report.ok, [p.message for p in report.problems]
    assert report.counts["archived"] == 8       # the excluded URL is not archived
    assert report.counts["redirects"] == 8 and report.counts["moved"] == 7 and report.counts["gone"] == 1
    assert report.counts["pages"] == 6
    assert report.counts["links"] >= 15
    assert calls and calls[-1] == (7, 7)        # 6 pages + 1 stylesheet
    html_text = (ws.config.reports_dir / "verify.html").read_text(encoding="utf-8")
    assert "全部通过" in html_text
    data = json.loads((ws.config.reports_dir / "verify.json").read_text(encoding="utf-8"))
    assert data["ok"] is True and data["problems"] == []


def test_archived_url_without_redirect_is_reported(ws):
    with ws.ledger() as ledger:
        ledger.upsert_url("taoyuan", TAOYUAN + "/zwgk/new.html", state="fetched", status=200)
        ledger.upsert_url("elsewhere", "http://other.example/x.html", state="fetched", status=200)
    report = run_verify(ws)
    assert not report.ok
    assert kinds(report) == {"missing_redirect"}
    assert [p.where for p in report.problems] == [TAOYUAN + "/zwgk/new.html"]
    assert "重定向表中没有" in report.problems[0].message
    assert "已归档地址缺少重定向" in report.summary()
    html_text = (ws.config.reports_dir / "verify.html").read_text(encoding="utf-8")
    assert TAOYUAN + "/zwgk/new.html" in html_text


def test_missing_target_and_the_broken_link_to_it(ws):
    ws.site_file(OLD_ATTACHMENT).unlink()
    report = run_verify(ws)
    assert kinds(report) == {"missing_target", "broken_link"}
    missing = next(p for p in report.problems if p.kind == "missing_target")
    assert OLD_ATTACHMENT in missing.message and ATTACHMENT_NAME in missing.message
    broken = next(p for p in report.problems if p.kind == "broken_link")
    assert broken.where == path_to_file(ws.targets[OLD_ARTICLE])


def test_broken_links_in_pages_and_stylesheets(ws):
    home = ws.config.site_dir / "index.html"
    home.write_text(home.read_text(encoding="utf-8").replace(
        "</ul>", '<li><a href="/xzjd/taoyuan/tzgg/">通知</a><img src="logo.png"></li></ul>'), encoding="utf-8")
    css = ws.config.site_dir / "theme" / "site.css"
    css.write_text('body{background:url("img/missing.png")}', encoding="utf-8")
    report = run_verify(ws)
    broken = sorted(p.message for p in report.problems if p.kind == "broken_link")
    assert len(broken) == 3, broken
    assert any("xzjd/taoyuan/tzgg/index.html" in m for m in broken)
    assert any("index.html 中的链接 logo.png" in m for m in broken)
    assert any(m.startswith("theme/site.css") and "theme/img/missing.png" in m for m in broken)


def test_duplicate_rows_bad_targets_and_chains(ws):
    csv_path = ws.config.redirects_dir / "redirects.csv"
    extra = [
        f"{OLD_ARTICLE},{BASE}/xzjd/taoyuan/,301,文章迁移",                       # second row
        f"{TAOYUAN}/old.html,http://www.elsewhere.cn/x.html,301,文章迁移",        # off the county site
        f"{TAOYUAN}/moved.html,{BASE}/old/a.html,301,文章迁移",                  # target is an old URL
        f"{BASE}/old/a.html,{BASE}/xzjd/taoyuan/,301,文章迁移",
    ]
    with csv_path.open("a", encoding="utf-8", newline="") as f:
        f.write("\r\n".join(extra) + "\r\n")
    report = run_verify(ws)
    assert {"duplicate_redirect", "bad_target", "chain", "missing_target"} <= kinds(report)
    duplicate = next(p for p in report.problems if p.kind == "duplicate_redirect")
    assert duplicate.where == OLD_ARTICLE and "出现 2 次" in duplicate.message
    chain = next(p for p in report.problems if p.kind == "chain")
    assert chain.where == f"{TAOYUAN}/moved.html"
    assert any(w.kind == "unknown_host" and "www.yunxi.gov.cn" in w.where for w in report.warnings)


def test_unreadable_csv_is_a_problem_not_a_crash(ws):
    csv_path = ws.config.redirects_dir / "redirects.csv"
    csv_path.write_text("old_url,new_url,status,reason\r\nhttp://a.cn/x,,302,?\r\n", encoding="utf-8")
    report = run_verify(ws)
    assert "bad_csv" in kinds(report) and "missing_redirect" in kinds(report)
    bad = next(p for p in report.problems if p.kind == "bad_csv")
    assert "第 2 行" in bad.message and "302" in bad.message


def test_links_still_pointing_at_the_old_site_are_warnings(ws):
    page = ws.site_file(OLD_ARTICLE)
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</ul>", f'<li><a href="{TAOYUAN}/gzdt/index.html">旧链接</a></li></ul>'), encoding="utf-8")
    report = run_verify(ws)
    assert report.ok
    assert [w.kind for w in report.warnings] == ["old_site_link"]


def test_page_links_skip_comments_and_script_bodies():
    text = ('<a href="a.html">a</a><!-- <a href="gone.html"> --><script src="s.js">'
            'document.write("<img src=\'x.png\'>")</script><img srcset="b.png 1x, c.png 2x"'
            ' style="background:url(d.png)"><a href=e.html>e</a>')
    assert page_links(text) == ["a.html", "s.js", "e.html", "b.png", "c.png", "d.png"]


def test_missing_site_is_a_user_error(ws):
    import shutil

    from migrate.errors import UserError

    shutil.rmtree(ws.config.site_dir)
    with pytest.raises(UserError, match="build"):
        run_verify(ws)
