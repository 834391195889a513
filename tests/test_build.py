"""The build stage on a small synthetic county, with a real WARC and a real Pelican run."""

import csv
import hashlib
import shutil
from pathlib import Path
from urllib.parse import unquote

import lxml.html
import pytest

from migrate.build import build_site
from migrate.errors import MappingError, UserError
from migrate.newurls import SiteURLs, path_to_file
from tests.fixtures.build.synthetic import QS, TA, article, make_county

URLS = SiteURLs("xzjd")
BASE = "https://www.yunxi.example.gov.cn"
NOTICE = f"{TA}/tzgg/202403/t20240305_101.html"
MEETING = f"{TA}/tzgg/202402/t20240220_99.html"
UNDATED = f"{TA}/tzgg/old/show.asp?id=7"
PDF = f"{TA}/tzgg/202403/P020240305123456.pdf"
JPG = f"{TA}/tzgg/202403/W020240305.jpg"
DOC = f"{QS}/module/download/downfile.jsp?classid=0&filename=abc.doc"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    county = make_county(tmp_path_factory.mktemp("county"))
    calls = []
    result = build_site(county.config, county.standard, county.plans, county.ledger,
                        progress=lambda done, total, label: calls.append((done, total, label)))
    yield county, result, calls
    county.ledger.close()


def site_file(county, path: str) -> Path:
    return county.config.site_dir / path_to_file(path)


def page(county, path: str):
    return lxml.html.fromstring(site_file(county, path).read_bytes())


def metas(doc) -> dict[str, str]:
    return {m.get("name"): m.get("content") for m in doc.iter("meta") if m.get("name")}


def hrefs(doc) -> list[str]:
    return [unquote(a.get("href")) for a in doc.iter("a") if a.get("href")]


def all_pages(county):
    return sorted(county.config.site_dir.rglob("*.html"))


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ pages and meta tags

def test_every_page_exists_at_its_new_url(built):
    county, _, _ = built
    for path in ["/", "/xzjd/", "/sitemap.html", URLS.town_home("taoyuan"), URLS.town_home("qingshi"),
                 URLS.column("taoyuan", "tzgg"), URLS.column("taoyuan", "zfxxgk"),
                 URLS.column("taoyuan", "fdzdgk"), URLS.column("taoyuan", "xzgk")]:
        assert site_file(county, path).is_file(), path
    for plan in county.plans:
        for record in plan.articles:
            assert site_file(county, URLS.article(plan.slug, record["column"], record["url"])).is_file()


def test_article_page_has_metadata_block_breadcrumb_and_meta_tags(built):
    county, _, _ = built
    path = URLS.article("taoyuan", "tzgg", NOTICE)
    doc = page(county, path)
    meta = metas(doc)
    assert meta["SiteName"] == "云溪县人民政府"
    assert meta["SiteDomain"] == "www.yunxi.example.gov.cn"
    assert meta["SiteIDCode"] == "4309990001"
    assert meta["ArticleTitle"] == "关于做好2024年春季森林防火工作的通知"
    assert meta["PubDate"] == "2024-03-05 09:30"
    assert meta["ContentSource"] == "桃源镇党政办"
    assert meta["ColumnName"] == "通知公告"
    assert meta["Url"] == BASE + path
    assert doc.findtext(".//h1").strip() == "关于做好2024年春季森林防火工作的通知"
    block = {dt.text_content(): dd.text_content() for dt, dd in
             zip(doc.cssselect(".article-meta dt"), doc.cssselect(".article-meta dd"))}
    assert block == {"索引号": "114309990012345678/2024-00012", "发布机构": "桃源镇人民政府",
                     "文号": "桃政发〔2024〕3号", "发布日期": "2024-03-05 09:30", "来源": "桃源镇党政办"}
    crumbs = [el.text_content().strip() for el in doc.cssselect(".breadcrumb a, .breadcrumb [aria-current]")]
    assert crumbs == ["首页", "乡镇（街道）", "桃源镇", "通知公告"]
    assert hrefs(doc.cssselect(".breadcrumb")[0])[-1] == URLS.column("taoyuan", "tzgg")


def test_date_without_time_shows_only_the_date(built):
    county, _, _ = built
    doc = page(county, URLS.article("taoyuan", "tzgg", MEETING))
    assert metas(doc)["PubDate"] == "2024-02-20"
    assert "2024-02-20 00:00" not in doc.text_content()


def test_undated_article_shows_no_date_and_sorts_last(built):
    county, _, _ = built
    doc = page(county, URLS.article("taoyuan", "tzgg", UNDATED))
    assert "PubDate" not in metas(doc)
    assert "发布日期" not in doc.text_content()
    listing = page(county, URLS.column("taoyuan", "tzgg"))
    titles = [a.text_content() for a in listing.cssselect(".item-list a")]
    assert titles == ["关于做好2024年春季森林防火工作的通知", "桃源镇2月工作例会通知", "关于征集意见的公告"]
    assert len(listing.cssselect(".item-list time")) == 2


def test_column_pages_carry_column_meta_tags(built):
    county, _, _ = built
    meta = metas(page(county, URLS.column("taoyuan", "tzgg")))
    assert meta["ColumnName"] == "通知公告"
    assert meta["ColumnDescription"] == "乡镇发布的通知、公告"
    assert meta["ColumnKeywords"] == "桃源镇,通知公告"
    assert meta["ColumnType"]
    assert "ArticleTitle" not in meta
    for path in ("/", "/xzjd/", "/sitemap.html", URLS.town_home("qingshi")):
        assert {"SiteName", "SiteDomain", "SiteIDCode"} <= set(metas(page(county, path))), path


def test_footer_has_every_required_item_on_every_page(built):
    county, _, _ = built
    for file in all_pages(county):
        doc = lxml.html.fromstring(file.read_bytes())
        footer = doc.cssselect("footer")[0]
        text = footer.text_content()
        links = {a.text_content().strip(): a.get("href") for a in footer.iter("a")}
        assert "网站标识码：4309990001" in text, file
        assert links["湘ICP备20001234号-1"] == "https://beian.miit.gov.cn/"
        assert "43099902000123" in links["湘公网安备43099902000123号"]
        assert "主办单位：云溪县人民政府办公室" in text and "承办单位：云溪县政务服务和数据管理局" in text
        assert "0743-8123456" in text
        assert footer.cssselect(".conac-badge")
        assert "siteCode=4309990001" in links["我为政府网站找错"]
        assert links["网站地图"] == "/sitemap.html"


def test_pages_load_nothing_from_outside_the_site(built):
    county, _, _ = built
    for file in all_pages(county):
        doc = lxml.html.fromstring(file.read_bytes())
        for el in doc.iter("link", "script", "img", "iframe"):
            ref = el.get("href") or el.get("src") or ""
            assert ref.startswith("/") and not ref.startswith("//"), (file, ref)
            if ref:
                assert site_file(county, unquote(ref)).is_file(), (file, ref)


# ------------------------------------------------------------------ columns

def test_empty_columns_get_no_page_and_no_link(built):
    county, _, _ = built
    empty = [URLS.column("taoyuan", "czxx"), URLS.column("taoyuan", "xxgknb"),
             URLS.column("qingshi", "tzgg"), URLS.column("qingshi", "zfxxgk")]
    for path in empty:
        assert not site_file(county, path).exists(), path
    for file in all_pages(county):
        links = hrefs(lxml.html.fromstring(file.read_bytes()))
        assert not set(links) & set(empty), file
        assert "财政信息" not in file.read_text(encoding="utf-8"), file


def test_pagination_splits_45_articles_into_three_pages_newest_first(built):
    county, _, _ = built
    pages = [URLS.column("taoyuan", "gzdt", n) for n in (1, 2, 3)]
    assert pages[1].endswith("/gzdt/index_2.html")
    counts = [len(page(county, p).cssselect(".item-list li")) for p in pages]
    assert counts == [20, 20, 5]
    assert not site_file(county, URLS.column("taoyuan", "gzdt", 4)).exists()
    first = page(county, pages[0])
    assert first.cssselect(".item-list a")[0].text_content() == "桃源镇工作动态第45期"
    assert pages[2] in hrefs(first.cssselect(".pagination")[0])
    last = page(county, pages[2])
    assert last.cssselect(".item-list a")[-1].text_content() == "桃源镇工作动态第1期"
    assert pages[1] in hrefs(last.cssselect(".pagination")[0])


def test_single_column_shows_its_newest_article(built):
    county, _, _ = built
    doc = page(county, URLS.column("taoyuan", "xzgk"))
    assert doc.cssselect("h1")[0].text_content() == "桃源镇概况"
    assert "桃源镇位于云溪县东部。" in doc.text_content()
    assert URLS.article("taoyuan", "xzgk", f"{TA}/xzgk/2019.html") in hrefs(doc)


def test_group_column_lists_only_its_non_empty_children(built):
    county, _, _ = built
    doc = page(county, URLS.column("taoyuan", "zfxxgk"))
    children = [h.text_content() for h in doc.cssselect(".column-main h2")]
    assert children == ["法定主动公开内容"]
    assert URLS.article("taoyuan", "fdzdgk", f"{TA}/xxgk/t20240101_1.html") in hrefs(doc)


def test_channel_home_shows_each_non_empty_column_with_newest_items(built):
    county, _, _ = built
    doc = page(county, URLS.town_home("taoyuan"))
    blocks = [h.text_content() for h in doc.cssselect(".block h2")]
    assert blocks == ["乡镇概况", "工作动态", "通知公告", "政府信息公开"]
    assert URLS.article("taoyuan", "tzgg", NOTICE) in hrefs(doc)
    home = page(county, "/")
    assert [h.text_content() for h in home.cssselect(".block h2")] == ["桃源镇", "青石乡"]
    assert URLS.article("qingshi", "gzdt", f"{QS}/art/2024/3/6/art_12_345.html") in hrefs(home)


def test_sitemap_lists_every_channel_and_non_empty_column(built):
    county, _, _ = built
    links = set(hrefs(page(county, "/sitemap.html")))
    expected = {"/", "/xzjd/", URLS.town_home("taoyuan"), URLS.town_home("qingshi"),
                URLS.column("taoyuan", "fdzdgk"), URLS.column("taoyuan", "zfxxgk"),
                URLS.column("qingshi", "gzdt")}
    assert expected <= links
    assert URLS.column("taoyuan", "czxx") not in links


# ------------------------------------------------------------------ bodies and files

def test_attachments_and_images_are_copied_byte_for_byte(built):
    county, _, _ = built
    pdf_path = URLS.file("taoyuan", PDF, "关于春季防火工作的通知.pdf")
    assert pdf_path.endswith("/关于春季防火工作的通知.pdf")
    for path, url in [(pdf_path, PDF), (URLS.file("taoyuan", JPG, "W020240305.jpg"), JPG),
                      (URLS.file("qingshi", DOC, "低保申请表.doc"), DOC)]:
        assert site_file(county, path).read_bytes() == county.files[url]


def test_body_links_point_at_new_pages_and_dead_links_become_text(built):
    county, _, _ = built
    doc = page(county, URLS.article("taoyuan", "tzgg", NOTICE))
    body = doc.cssselect(".article-body")[0]
    links = hrefs(body)
    assert URLS.article("taoyuan", "tzgg", MEETING) in links
    assert URLS.file("taoyuan", PDF, "关于春季防火工作的通知.pdf") in links
    assert "https://www.gov.cn/zhengce/" in links
    assert not [h for h in links if "taoyuan.example.gov.cn" in h]
    dead = [el.text_content() for el in body.cssselect(".dead-link")]
    assert dead == ["旧专题（原链接已失效）", "留言板（原链接已失效）"]
    images = [unquote(img.get("src")) for img in body.iter("img")]
    assert images == [URLS.file("taoyuan", JPG, "W020240305.jpg")]
    assert body.cssselect("img")[0].get("srcset") is None
    assert "示意图" in body.text_content()
    attachments = doc.cssselect(".attachments a")
    assert [a.text_content() for a in attachments] == ["关于春季防火工作的通知.pdf"]


def test_links_across_townships_and_in_other_query_order_are_rewritten(built):
    county, _, _ = built
    doc = page(county, URLS.article("qingshi", "gzdt", f"{QS}/art/2024/3/6/art_12_345.html"))
    links = hrefs(doc.cssselect(".article-body")[0])
    assert URLS.article("taoyuan", "tzgg", NOTICE) + "#part2" in links
    assert URLS.file("qingshi", DOC, "低保申请表.doc") in links


def test_no_page_links_to_a_missing_site_file(built):
    county, _, _ = built
    for file in all_pages(county):
        for href in hrefs(lxml.html.fromstring(file.read_bytes())):
            if href.startswith("/"):
                assert site_file(county, href.split("#")[0]).is_file(), (file, href)


# ------------------------------------------------------------------ redirects and ledger

def test_redirects_cover_every_plan_url_once(built):
    county, result, _ = built
    by_url = {r.old_url: r for r in result.redirects}
    assert len(by_url) == len(result.redirects)
    assert set(by_url) == set().union(*(plan.all_urls() for plan in county.plans))
    notice = BASE + URLS.article("taoyuan", "tzgg", NOTICE)
    assert by_url[NOTICE].new_url == notice and by_url[NOTICE].status == 301
    assert by_url[f"{NOTICE}?print=1"].new_url == notice
    assert by_url[f"{TA}/guestbook.asp"].status == 410
    assert by_url[f"{TA}/guestbook.asp"].new_url is None
    assert "留言板功能已停用" in by_url[f"{TA}/guestbook.asp"].reason
    assert by_url[f"{TA}/tzgg/index_1.html"].new_url == BASE + URLS.column("taoyuan", "tzgg")
    assert by_url[f"{TA}/"].new_url == BASE + URLS.town_home("taoyuan")
    # a list page of an empty column goes to the channel home, of an empty child to its group
    assert by_url[f"{TA}/czxx/index.html"].new_url == BASE + URLS.town_home("taoyuan")
    assert by_url[f"{TA}/xxgk/index.html"].new_url == BASE + URLS.column("taoyuan", "zfxxgk")
    assert unquote(by_url[PDF].new_url) == BASE + URLS.file("taoyuan", PDF, "关于春季防火工作的通知.pdf")
    for redirect in result.redirects:
        if redirect.status == 301:
            assert site_file(county, unquote(redirect.new_url.removeprefix(BASE))).is_file()


def test_redirect_table_is_written(built):
    county, result, _ = built
    with (county.config.redirects_dir / "redirects.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(result.redirects)


def test_ledger_records_each_urls_fate(built):
    county, _, _ = built
    ledger = county.ledger
    assert ledger.get("taoyuan", NOTICE)["fate"] == "page"
    assert ledger.get("taoyuan", NOTICE)["new_url"] == BASE + URLS.article("taoyuan", "tzgg", NOTICE)
    assert ledger.get("taoyuan", PDF)["fate"] == "redirect"
    assert ledger.get("taoyuan", f"{NOTICE}?print=1")["fate"] == "redirect"
    assert ledger.get("taoyuan", f"{TA}/tzgg/index.html")["fate"] == "redirect"
    gone = ledger.get("taoyuan", f"{TA}/guestbook.asp")
    assert (gone["fate"], gone["new_url"]) == ("drop", None)
    assert "留言板" in gone["fate_reason"]
    assert not ledger.rows(where="fate IS NULL")


def test_stats_and_progress(built):
    _, result, calls = built
    towns = result.stats.towns
    assert towns["taoyuan"].articles == 51 and towns["qingshi"].articles == 1
    assert towns["taoyuan"].files == 2 and towns["qingshi"].files == 1
    assert towns["taoyuan"].drops == 1
    assert towns["taoyuan"].column_pages == 1 + 3 + 1 + 1 + 1   # xzgk, gzdt×3, tzgg, zfxxgk, fdzdgk
    assert towns["taoyuan"].redirects + towns["taoyuan"].drops == 62
    assert calls[-1][0] == calls[-1][1] and calls[-1][2] == "生成页面"


# ------------------------------------------------------------------ rebuilds

def test_rebuild_is_byte_identical_and_removes_stale_files(tmp_path):
    county = make_county(tmp_path)
    config = county.config
    build_site(config, county.standard, county.plans, county.ledger)
    first = tree_digest(config.site_dir)
    stale = [config.site_dir / "stale.html", config.site_dir / "xzjd" / "gone" / "old.html"]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("old", encoding="utf-8")
    (config.site_dir / ".git").mkdir()
    (config.site_dir / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    result = build_site(config, county.standard, county.plans, county.ledger)
    second = tree_digest(config.site_dir)
    assert {k: v for k, v in second.items() if not k.startswith(".git")} == first
    assert not any(path.exists() for path in stale)
    assert not (config.site_dir / "xzjd" / "gone").exists()
    assert (config.site_dir / ".git" / "HEAD").exists()
    assert result.stats.stale_removed == 2
    county.ledger.close()


def test_removing_an_article_removes_its_page_on_rebuild(tmp_path):
    county = make_county(tmp_path)
    build_site(county.config, county.standard, county.plans, county.ledger)
    path = site_file(county, URLS.article("taoyuan", "tzgg", MEETING))
    assert path.is_file()
    plan = county.plans[0]
    plan.articles = [a for a in plan.articles if a["url"] != MEETING]
    plan.drops[MEETING] = "内容过时，不再迁移"
    build_site(county.config, county.standard, county.plans, county.ledger)
    assert not path.exists()
    body = page(county, URLS.article("taoyuan", "tzgg", NOTICE)).cssselect(".article-body")[0]
    assert "上次会议要求（原链接已失效）" in [el.text_content() for el in body.cssselect(".dead-link")]
    county.ledger.close()


# ------------------------------------------------------------------ rendering details

def test_titles_are_escaped_and_text_only_bodies_become_paragraphs(tmp_path):
    county = make_county(tmp_path)
    url = f"{QS}/art/2024/3/7/art_12_346.html"
    county.plans[1].articles.append(article(
        "qingshi", url, "gzdt", "A&B <script>alert(1)</script>", "2024-03-07", None, "",
        body_text="第一段。\n\n第二段 <b>不是标签</b>"))
    build_site(county.config, county.standard, county.plans, county.ledger)
    raw = site_file(county, URLS.article("qingshi", "gzdt", url)).read_text(encoding="utf-8")
    assert "<script>alert" not in raw and "&lt;script&gt;" in raw
    doc = page(county, URLS.article("qingshi", "gzdt", url))
    assert metas(doc)["ArticleTitle"] == "A&B <script>alert(1)</script>"
    paragraphs = [p.text_content() for p in doc.cssselect(".article-body p")]
    assert paragraphs == ["第一段。", "第二段 <b>不是标签</b>"]
    county.ledger.close()


def test_group_column_with_its_own_articles_lists_them(tmp_path):
    county = make_county(tmp_path)
    url = f"{QS}/xxgk/guide.html"
    county.plans[1].articles.append(article("qingshi", url, "zfxxgk", "青石乡政务公开事项", "2024-01-02", None,
                                            "<p>事项。</p>"))
    build_site(county.config, county.standard, county.plans, county.ledger)
    doc = page(county, URLS.column("qingshi", "zfxxgk"))
    assert URLS.article("qingshi", "zfxxgk", url) in hrefs(doc.cssselect(".column-main")[0])
    assert [h.text_content() for h in doc.cssselect(".column-main h2")] == ["其他政府信息公开信息"]
    county.ledger.close()


# ------------------------------------------------------------------ errors

def test_unknown_column_slug_is_a_mapping_error(tmp_path):
    county = make_county(tmp_path)
    county.plans[1].articles[0]["column"] = "nosuch"
    with pytest.raises(MappingError) as info:
        build_site(county.config, county.standard, county.plans, county.ledger)
    assert "nosuch" in info.value.message and "art_12_345" in info.value.message
    county.ledger.close()


def test_theme_without_templates_is_a_user_error(tmp_path):
    county = make_county(tmp_path)
    county.config.theme = tmp_path / "no-theme"
    with pytest.raises(UserError) as info:
        build_site(county.config, county.standard, county.plans, county.ledger)
    assert "主题目录缺少模板" in info.value.message
    county.ledger.close()


def test_template_error_names_the_template_and_line(tmp_path):
    county = make_county(tmp_path)
    theme = tmp_path / "theme"
    shutil.copytree(county.config.theme, theme)
    (theme / "templates" / "article.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n', encoding="utf-8")
    county.config.theme = theme
    with pytest.raises(UserError) as info:
        build_site(county.config, county.standard, county.plans, county.ledger)
    assert info.value.path.endswith("article.html") and info.value.line == 3
    county.ledger.close()


def test_missing_warc_is_a_user_error_naming_the_url(tmp_path):
    county = make_county(tmp_path)
    for warc in (county.config.workdir / "archive").rglob("*.warc.gz"):
        warc.unlink()
    with pytest.raises(UserError) as info:
        build_site(county.config, county.standard, county.plans, county.ledger)
    assert "无法从归档中读出" in info.value.message
    county.ledger.close()
