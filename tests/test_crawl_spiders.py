"""Site spiders in spiders/: the bundled example for 柳河街道 (`liuhe_asp`), named in the config."""

import re

import pytest
from scrapy.http import HtmlResponse, Request

from migrate.crawl import crawl_towns
from migrate.crawl.job import CrawlJob
from migrate.ledger import Ledger
from migrate.samples import truth
from migrate.samples.server import start_sample_server
from migrate.samples.sites import sample_sites
from spiders.generic import GovSiteSpider
from spiders.liuhe_asp import LiuheAspSpider, jump_menu_links
from tests.test_crawl_samples import fast_config, is_crawl_infrastructure

LIUHE = "http://www.liuhe.yunxi.gov.cn"
NEWS = [f"{LIUHE}/list.asp?classid=4", f"{LIUHE}/list.asp?classid=4&page=2", f"{LIUHE}/list.asp?classid=4&page=3"]
PAGER_LINK = re.compile(rb'<a href="list\.asp\?classid=4&page=\d">[^<]*</a>')


def liuhe_config(tmp_path, spider: str | None):
    config = fast_config(tmp_path)
    town = config.township("liuhe")
    town.old_site.spider = spider
    config.townships = [town]
    return config


def archived(config) -> set[str]:
    with Ledger(config.ledger_path) as ledger:
        return {r["url"] for r in ledger.rows("liuhe")
                if r["state"] == "fetched" and r["status"] == 200 and not is_crawl_infrastructure(r)}


JOB = CrawlJob(town="liuhe", town_name="柳河街道", start_urls=[LIUHE + "/"], hosts=["www.liuhe.yunxi.gov.cn"],
               workdir=".", ledger_path="unused", archive_dir=".")


def links_found(spider_class, url: str, body: bytes) -> set[str]:
    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html"}, request=Request(url))
    return {link.url for link in spider_class(JOB).page_links(response)}


def test_the_jump_menu_is_read_only_by_the_site_spider():
    menu = {f"{LIUHE}/list.asp?classid=4&page={n}" for n in (1, 2, 3)}
    served = sample_sites()["liuhe"].resolve_url(NEWS[1]).body
    stripped = PAGER_LINK.sub(b"", served)          # the same page without its 首页/下一页/尾页 links
    assert menu <= links_found(LiuheAspSpider, NEWS[1], served)
    assert not menu & links_found(GovSiteSpider, NEWS[1], stripped)
    assert menu <= links_found(LiuheAspSpider, NEWS[1], stripped)


def test_jump_menu_variants():
    import lxml.html
    doc = lxml.html.document_fromstring(
        """<select onchange="location.href = 'list.asp?classid=7&amp;page=' + this.value">
           <option value="1">1</option><option>2</option></select>
           <select onchange="doSomething(this)"><option value="9">9</option></select>""")
    assert [link.url for link in jump_menu_links(doc, LIUHE + "/list.asp?classid=7", "gb18030")] == [
        f"{LIUHE}/list.asp?classid=7&page=1", f"{LIUHE}/list.asp?classid=7&page=2"]


def test_liuhe_asp_archives_exactly_the_truth(tmp_path):
    config = liuhe_config(tmp_path, "liuhe_asp")
    with start_sample_server() as server:
        crawl_towns(config, config.townships, proxy=server.proxy_url)
    assert archived(config) == truth.expected_archivable_urls("liuhe")


def test_liuhe_asp_finds_list_pages_only_its_menu_names(tmp_path):
    """With the 下一页/尾页 links gone, only the jump menu leads to the later list pages (the
    generic spider archives neither page 2 nor page 3 then)."""
    config = liuhe_config(tmp_path, "liuhe_asp")
    with start_sample_server() as server:
        for url in NEWS:
            server.serve(url, PAGER_LINK.sub(b"", sample_sites()["liuhe"].resolve_url(url).body), "text/html")
        crawl_towns(config, config.townships, proxy=server.proxy_url)
    with Ledger(config.ledger_path) as ledger:
        rows = {url: ledger.get("liuhe", url) for url in NEWS[1:]}
    assert all(row and row["state"] == "fetched" and row["found_on"] == NEWS[0] for row in rows.values()), rows


@pytest.mark.parametrize("name", ["generic", "liuhe_asp"])
def test_spiders_are_found_by_name(name):
    from migrate.crawl.worker import load_spider_class, spider_loader

    assert load_spider_class(spider_loader(), name).name == name
