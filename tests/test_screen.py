"""The screening stage: injected spam, unmasked personal data and empty pages are caught and
quarantined until a person reviews them; legitimate government pages pass untouched."""

import hashlib
from html import unescape
import io
import json
import re
import zipfile
from pathlib import Path

import lxml.html
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from migrate.config import load_config
from migrate.errors import UserError
from migrate.ledger import Ledger
from migrate.screen import (load_reviews, quarantined, screen_page, screen_town, write_review_report)
from migrate.screen import stage
from migrate.screen.attachments import attachment_format, attachment_text
from migrate.screen.pii import find_pii, id_check_digit, is_valid_id, luhn_ok
from migrate.screen.words import load_vocabulary, parse_word_list
from migrate.urls import canonical_url as canonical
from tests.conftest import REALPAGES

FIXTURES = Path(__file__).parent / "fixtures" / "screen"
PAGE_URL = "http://www.liuhe.yunxi.gov.cn/show.asp?id=17"
VALID_ID = "430981199001011237"          # check digit 7 is right
WRONG_CHECK_ID = "430981199001011234"    # same number, wrong check digit
CARD = "6222021234567890128"             # passes Luhn


def record_of(html: str, url: str = PAGE_URL, **extra) -> dict:
    """A record as the extract stage writes it: title from <h1>, body from div.content."""
    root = lxml.html.document_fromstring(html)
    content = root.find_class("content")[0]
    record = {"url": url, "kind": "article", "title": root.findtext(".//h1"),
              "body_text": " ".join(content.text_content().split()),
              "body_html": lxml.html.tostring(content, encoding="unicode"),
              "images": [img.get("src") for img in content.iter("img")], "attachments": []}
    record.update(extra)
    return record


def screen_fixture(name: str, url: str = PAGE_URL):
    html = (FIXTURES / name).read_text(encoding="utf-8")
    return screen_page(html, record_of(html, url))


BODY = "本镇召开春季防火工作会议，部署森林防火、安全生产和防汛备汛工作，要求各村各单位压实责任、加强值守。"


def page_with(block: str, head: str = "", body: str = BODY) -> str:
    return (f"<html><head><title>t</title>{head}</head><body><h1>会议</h1>"
            f"<div class='content'><p>{body}</p></div><div class='footer'>{block}</div></body></html>")


def rules(findings) -> list[str]:
    return sorted(f.rule for f in findings)


# ---------------------------------------------------------------- spam

def test_hidden_gambling_block_in_footer_is_flagged_with_the_anchor_and_its_line():
    findings = screen_fixture("hidden_footer.html")
    assert rules(findings) == ["hidden-spam-links"]
    finding = findings[0]
    assert (finding.category, finding.severity, finding.topic) == ("spam", "high", "博彩")
    assert finding.match == "澳门新葡京"
    assert "http://www.88pj-vip.com/" in finding.snippet and "六合彩开奖" in finding.snippet
    assert finding.where.startswith("源码第 19 行") and "display:none" in finding.where
    assert finding.count == 3


@pytest.mark.parametrize("block, head", [
    ("<div style='visibility: hidden'>{links}</div>", ""),
    ("<div style='height:0px;overflow:hidden'>{links}</div>", ""),
    ("<div style='position:absolute; left:-9999px; top:-9999px'>{links}</div>", ""),
    ("<marquee height='0' width='1'>{links}</marquee>", ""),
    ("<p style='font-size:0'>{links}</p>", ""),
    ("<div style='text-indent:-5000px'>{links}</div>", ""),
    ("<div class='ft-x'>{links}</div>", "<style>.ft-x{{display:none !important}}</style>"),
    ("<div id='bclink'>{links}</div><script>document.getElementById('bclink').style.display='none';</script>", ""),
    ("<div hidden>{links}</div>", ""),
    ("<span><a href='http://www.ylc-bet.com/' style='DISPLAY: NONE'>娱乐城</a></span>", ""),
])
def test_hiding_techniques_are_recognised(block, head):
    links = "<a href='http://www.ylc-bet.com/'>娱乐城</a> <a href='http://www.pk10-bj.net/'>北京赛车</a>"
    html = page_with(block.format(links=links), head.format())
    findings = screen_page(html, record_of(html))
    assert rules(findings) == ["hidden-spam-links"], findings


def test_hidden_block_appended_after_the_closing_html_tag_is_found():
    html = page_with("") + "\n<div style='display:none'><a href='http://www.ylc-bet.com/'>娱乐城</a></div>"
    [finding] = screen_page(html, record_of(html))
    assert (finding.rule, finding.match) == ("hidden-spam-links", "娱乐城")
    assert screen_page("", record_of(html)) == []


def test_hidden_block_of_only_external_links_is_flagged_medium_without_vocabulary():
    links = "".join(f"<a href='http://www.site{i}-abc.com/'>站点{i}</a>" for i in range(3))
    html = page_with(f"<div style='display:none'>{links}</div>")
    [finding] = screen_page(html, record_of(html))
    assert (finding.rule, finding.severity, finding.count) == ("hidden-links", "medium", 3)
    menu = page_with(f"<ul style='display:none'><li><a href='http://www.yunxi.gov.cn/'>县政府</a></li>{links}</ul>")
    assert screen_page(menu, record_of(menu)) == []


def test_hidden_spam_anchors_pointing_at_a_hacked_government_site_are_flagged():
    block = "<div style='display:none'><a href='http://www.abc.gov.cn/upload/bc.html'>澳门赌场</a></div>"
    html = page_with(block)
    [finding] = screen_page(html, record_of(html))
    assert (finding.rule, finding.match) == ("hidden-spam-links", "澳门赌场")


def test_hidden_menu_of_internal_links_about_a_crackdown_is_not_flagged():
    block = ("<ul style='display:none'><li><a href='/show.asp?id=3'>我街道开展打击六合彩专项行动</a></li>"
             "<li><a href='/show.asp?id=4'>社区动态</a></li></ul>")
    html = page_with(block)
    assert screen_page(html, record_of(html)) == []


def test_hidden_keyword_stuffing_is_flagged_but_hidden_crackdown_text_is_not():
    stuffed = page_with("<div style='display:none'>澳门新葡京 百家乐 真人荷官 娱乐城</div>")
    [finding] = screen_page(stuffed, record_of(stuffed))
    assert (finding.rule, finding.severity, finding.match, finding.count) == ("hidden-spam-text", "medium", "新葡京", 4)
    printable = page_with("<div class='print' style='display:none'>街道联合派出所开展打击六合彩专项行动</div>")
    assert screen_page(printable, record_of(printable)) == []


def test_hidden_iframe_and_referrer_hijack_script_are_flagged():
    block = ("<iframe src='http://www.evil-cdn.net/a.html' width='0' height='0'></iframe>"
             "<script>var r=document.referrer;if(r.indexOf('baidu')>0){window.location.href='http://www.88pj-vip.com/';}"
             "</script>")
    html = page_with(block)
    assert rules(screen_page(html, record_of(html))) == ["hidden-iframe", "referrer-redirect"]


def test_script_written_gambling_links_are_flagged():
    block = "<script>document.write('<a href=\"http://www.bjl-vip.com/\">百家乐</a>');</script>"
    html = page_with(block)
    [finding] = screen_page(html, record_of(html))
    assert (finding.rule, finding.match, finding.topic) == ("script-links", "百家乐", "博彩")


def test_visible_link_farm_is_flagged():
    [finding] = screen_fixture("link_farm.html", "http://www.qingshi.yunxi.gov.cn/art/2024/3/1/art_5_9.html")
    assert (finding.rule, finding.severity, finding.count) == ("link-farm", "medium", 12)
    assert finding.where.startswith("源码第 9 行 <div.links>")


def test_legitimate_welfare_lottery_notice_is_not_flagged():
    assert screen_fixture("welfare_lottery.html", "http://www.qingshi.yunxi.gov.cn/art/2024/3/12/art_12_7.html") == []


def test_footer_of_government_links_share_buttons_and_hidden_menus_is_not_flagged():
    assert screen_fixture("gov_footer.html", "http://www.taoyuan.yunxi.gov.cn/zwdt/202402/t20240228_5.html") == []


def test_visible_gambling_link_is_flagged_but_news_of_a_crackdown_is_not():
    spam = page_with("<p>合作伙伴：<a href='http://www.tyc-yule.com/'>太阳城娱乐官网</a></p>")
    [finding] = screen_page(spam, record_of(spam))
    assert (finding.rule, finding.severity) == ("spam-link", "high")
    news = page_with("<p>相关报道：<a href='http://news.xiangjiang-daily.com/a.html'>我县警方破获一起网上赌场案</a></p>")
    assert screen_page(news, record_of(news)) == []


def test_visible_lottery_link_counts_in_the_anchor_only():
    private = page_with("<p><a href='http://www.kj-cx.com/'>双色球开奖结果查询</a></p>")
    [finding] = screen_page(private, record_of(private))
    assert (finding.rule, finding.severity, finding.topic) == ("spam-link", "medium", "彩票")
    nearby = page_with("<p>开奖结果以公告为准，详见<a href='http://news.xiangjiang-daily.com/b.html'>相关报道</a></p>")
    assert screen_page(nearby, record_of(nearby)) == []


def test_links_within_a_non_government_old_site_are_internal():
    links = "".join(f"<a href='http://www.liuhezhen.com/list{i}.html'>栏目{i}</a>" for i in range(12))
    html = page_with(f"<div>{links}</div>")
    record = record_of(html, "http://www.liuhezhen.com/show.asp?id=1")
    assert screen_page(html, record) == []
    other = record_of(html, "http://www.liuhe.yunxi.gov.cn/show.asp?id=1")
    assert screen_page(html, other, site_hosts=["www.liuhezhen.com"]) == []


@pytest.mark.skipif(not REALPAGES.exists(), reason="shared real pages not present")
def test_real_government_pages_have_no_spam_findings():
    from migrate.screen.text import decode_text

    pages = sorted(REALPAGES.glob("*.html"))
    assert len(pages) >= 20
    for path in pages:
        html = decode_text(path.read_bytes())
        record = {"url": None, "kind": "list", "title": "", "body_text": "", "attachments": []}
        findings = screen_page(html, record)
        assert [f for f in findings if f.category == "spam"] == [], path.name


# ---------------------------------------------------------------- personal data

def test_id_check_digit_follows_iso_7064():
    assert id_check_digit("11010519491231002") == "X"     # the example in GB 11643
    assert is_valid_id("11010519491231002x")
    assert is_valid_id(VALID_ID) and not is_valid_id(WRONG_CHECK_ID)
    assert not is_valid_id("430981199002301237")            # 30 February
    assert not is_valid_id("990981199001011237")            # no such province


def test_notice_with_id_mobile_and_bank_card_is_flagged_with_masked_snippets():
    findings = screen_fixture("pii_notice.html", "http://www.qingshi.yunxi.gov.cn/art/2024/3/20/art_13_2.html")
    by_rule = {f.rule: f for f in findings}
    assert sorted(by_rule) == ["bank-card", "id-number", "mobile"]
    assert all(f.category == "pii" and f.where == "正文" for f in findings)
    assert by_rule["id-number"].match == "430981********1237" and by_rule["id-number"].count == 1
    assert by_rule["mobile"].match == "139****1234"
    assert by_rule["bank-card"].match == "6222***********0128"
    shown = " ".join(f.snippet for f in findings)
    for secret in (VALID_ID, "13907431234", CARD):
        assert secret not in shown


@pytest.mark.parametrize("text", [
    f"证件号码：{WRONG_CHECK_ID}",                    # invalid check digit
    "身份证号：4301**********1234",                      # already masked
    "办公室电话：0743-8123456，传真：(0743)8123457",      # landlines
    "订单号 2024013907431234567 已受理",                 # mobile digits inside a longer run
    "项目总投资 13900000000 元",                          # an amount, not a phone
    f"收款单位：县财政局 对公账号：{CARD}",               # an office account
    f"序号 {CARD}",                                       # Luhn-valid but no banking cue
    "统一社会信用代码：11430981MB13907431",
])
def test_numbers_that_are_not_personal_data_are_not_flagged(text):
    assert find_pii(text) == []


def test_mobile_with_separators_and_full_width_id_are_found():
    found = find_pii("联系人手机：139-0743-1234；身份证：４３０９８１１９９００１０１１２３７")
    assert sorted(m.rule for m in found) == ["id-number", "mobile"]
    assert luhn_ok(CARD) and not luhn_ok(CARD[:-1] + "9")


def test_the_title_is_screened_too():
    record = {"url": PAGE_URL, "kind": "article", "title": f"关于{VALID_ID}同志的公示",
              "body_text": "公示内容" * 20, "attachments": []}
    [finding] = screen_page("", record)
    assert (finding.rule, finding.where) == ("id-number", "标题")


# ---------------------------------------------------------------- empty pages

def test_empty_article_is_flagged():
    [finding] = screen_fixture("empty.html")
    assert (finding.category, finding.rule) == ("empty", "empty-body")


def test_image_only_article_is_flagged():
    [finding] = screen_fixture("image_only.html")
    assert (finding.category, finding.rule, finding.count) == ("empty", "image-only", 2)


def test_short_notice_with_an_attachment_and_list_pages_are_not_flagged_as_empty():
    html = (FIXTURES / "empty.html").read_text(encoding="utf-8")
    record = record_of(html, body_text="详见附件。", attachments=[{"url": "http://x.gov.cn/a.pdf", "name": "a.pdf"}])
    assert screen_page(html, record) == []
    assert screen_page(html, record_of(html, kind="list")) == []


# ---------------------------------------------------------------- attachments

def make_docx(paragraphs: list[str]) -> bytes:
    """A minimal WordprocessingML package: what Word's reader needs to find the body text."""
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p[:5]}</w:t></w:r><w:r><w:t xml:space='preserve'>{p[5:]}</w:t></w:r></w:p>"
                   for p in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   "<?xml version='1.0' encoding='UTF-8'?><Types xmlns='http://schemas.openxmlformats.org/package/2006/"
                   "content-types'><Override PartName='/word/document.xml' ContentType='application/vnd."
                   "openxmlformats-officedocument.wordprocessingml.document.main+xml'/></Types>")
        z.writestr("word/document.xml", f"<?xml version='1.0' encoding='UTF-8'?><w:document xmlns:w='{ns}'>"
                                        f"<w:body>{body}</w:body></w:document>")
    return buffer.getvalue()


def make_xlsx(rows: list[list[str]]) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = [cell for row in rows for cell in row]
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    cells, index = [], 0
    for r, row in enumerate(rows, 1):
        cs = []
        for c, _ in enumerate(row):
            cs.append(f"<c r='{chr(65 + c)}{r}' t='s'><v>{index}</v></c>")
            index += 1
        cells.append(f"<row r='{r}'>{''.join(cs)}<c r='Z{r}'><v>13907431234</v></c></row>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/sharedStrings.xml", f"<sst xmlns='{ns}'>{sst}</sst>")
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet xmlns='{ns}'><sheetData>{''.join(cells)}</sheetData></worksheet>")
    return buffer.getvalue()


def test_docx_attachment_holding_an_id_number_is_flagged():
    data = make_docx(["2024年度临时救助对象名单", f"赵某某 身份证号码 {VALID_ID} 救助金额 2000 元"])
    text = attachment_text(data, "docx")
    assert VALID_ID in text and "临时救助对象名单" in text
    html = (FIXTURES / "welfare_lottery.html").read_text(encoding="utf-8")
    url = "http://www.qingshi.yunxi.gov.cn/module/download/downfile.jsp?filename=a.docx"
    record = record_of(html, attachments=[{"url": url, "name": "救助对象名单.docx"}])
    [finding] = screen_page(html, record, {url: text})
    assert (finding.rule, finding.attachment, finding.where) == ("id-number", url, "附件《救助对象名单.docx》")


def test_xlsx_text_and_attachment_formats():
    text = attachment_text(make_xlsx([["姓名", "身份证号"], ["钱某某", VALID_ID]]), "xlsx")
    assert VALID_ID in text and "13907431234" in text
    assert attachment_text(b"not a zip", "docx") is None
    assert attachment_format("名单.DOCX", "http://x/a") == "docx"
    assert attachment_format(None, "http://x/%E5%90%8D%E5%8D%95.csv") == "csv"
    assert attachment_format("a.pdf", "http://x/a.pdf") is None


# ---------------------------------------------------------------- word list

def test_safe_phrases_mask_the_words_inside_them():
    vocab = load_vocabulary()
    assert vocab.hits("中国福利彩票公益金") == []
    assert [h.topic for h in vocab.hits("私彩开奖")] == ["lottery"]
    assert [h.word for h in vocab.hits("SLOT  Machine")] == ["SLOT  Machine"]
    signal = {w for w, t in vocab.topics.items() if t != "safe"}
    for phrase, topic in vocab.topics.items():
        if topic == "safe":
            assert any(w in phrase for w in signal), f"safe phrase {phrase} masks no listed word"


def test_word_list_errors_name_the_line(tmp_path):
    with pytest.raises(UserError) as err:
        parse_word_list("# 注释\n[gambling]\n博彩\n[games]\n斗地主\n", tmp_path / "w.txt")
    assert "第 4 行" in str(err.value) and "games" in str(err.value)


# ---------------------------------------------------------------- the stage, reviews, report

def write_warc(path: Path, responses: list[tuple[str, str, bytes]]) -> dict[str, int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    offsets = {}
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, content_type, body in responses:
            offsets[url] = fh.tell()
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=http))
    return offsets


LIUHE = "http://www.liuhe.yunxi.gov.cn"
DOCX_URL = f"{LIUHE}/upload/mingdan.docx"


@pytest.fixture
def screened(workspace):
    """The liuhe archive of five articles (spam, personal data in page and attachment, empty,
    clean), its ledger and records, screened once."""
    config = load_config(workspace / "sitemigrate.yaml")
    pages = {name: (FIXTURES / name).read_text(encoding="utf-8")
             for name in ("hidden_footer.html", "pii_notice.html", "image_only.html", "welfare_lottery.html")}
    urls = {name: f"{LIUHE}/show.asp?id={i}" for i, name in enumerate(pages, 17)}
    clean_with_docx = f"{LIUHE}/show.asp?id=30"
    docx = make_docx(["名单", f"孙某某 {VALID_ID}"])
    responses = [(urls[n], "text/html", html.encode("gb18030")) for n, html in pages.items()]
    responses.append((clean_with_docx, "text/html", pages["welfare_lottery.html"].encode("utf-8")))
    responses.append((DOCX_URL, "application/octet-stream", docx))
    offsets = write_warc(config.workdir / "archive" / "liuhe" / "a.warc.gz", responses)
    records = []
    with Ledger(config.ledger_path) as ledger:
        for url, content_type, body in responses:
            ledger.upsert_url("liuhe", url, state="fetched", status=200, content_type=content_type,
                              warc_file="archive/liuhe/a.warc.gz", warc_offset=offsets[url], length=len(body),
                              payload_digest="sha1:" + hashlib.sha1(body).hexdigest(),
                              kind="attachment" if url == DOCX_URL else "page")
    for name, html in pages.items():
        records.append(record_of(html, urls[name], payload_digest="sha1:" + name))
    records.append(record_of(pages["welfare_lottery.html"], clean_with_docx, payload_digest="sha1:clean",
                             attachments=[{"url": DOCX_URL, "name": "名单.docx"}]))
    records.append({"url": f"{LIUHE}/list.asp?classid=2", "kind": "list", "title": "街道动态"})
    path = config.records_path("liuhe")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    with Ledger(config.ledger_path) as ledger:
        report = screen_town(config, ledger, "liuhe")
    return {"config": config, "report": report, "urls": urls, "docx_page": clean_with_docx}


def test_screen_town_finds_each_problem_and_writes_results(screened):
    report, urls = screened["report"], screened["urls"]
    assert report.counts["screened"] == 5 and report.counts["flagged"] == 4
    assert (report.counts["spam"], report.counts["pii"], report.counts["empty"]) == (1, 2, 1)
    assert report.counts["attachments_screened"] == 1 and report.counts["raw_missing"] == 0
    assert [f.match for f in report.flagged[urls["hidden_footer.html"]].findings] == ["澳门新葡京"]
    assert [f.attachment for f in report.flagged[screened["docx_page"]].findings] == [DOCX_URL]
    data = json.loads(report.path.read_text(encoding="utf-8"))
    assert set(data["pages"]) == {*urls.values(), screened["docx_page"]}
    assert VALID_ID not in report.path.read_text(encoding="utf-8")


def test_quarantine_until_reviewed_then_publish_or_drop(screened):
    config, urls = screened["config"], screened["urls"]
    blocked = quarantined(config, "liuhe")
    assert set(blocked) == {urls["hidden_footer.html"], urls["pii_notice.html"], urls["image_only.html"],
                            screened["docx_page"], DOCX_URL}
    assert blocked[urls["hidden_footer.html"]] == "隔离待审：隐藏的博彩链接（澳门新葡京…）"
    assert blocked[urls["image_only.html"]] == "隔离待审：正文只有图片（疑似扫描件）"
    assert "附件《名单.docx》中未脱敏的身份证号（430981********1237）" in blocked[DOCX_URL]
    (config.root / "reviews.yaml").write_text(
        "# 人工审核记录\n"
        f"- url: {urls['hidden_footer.html']}\n  decision: publish\n  reviewer: 王五\n  date: 2026-11-27\n"
        "  note: 已删除隐藏链接后的正文核实无误\n"
        f"- url: {screened['docx_page']}\n  decision: drop\n  reviewer: 赵六\n  date: 2026-11-28\n"
        "  note: 名单含身份证号，不再公开\n"
        f"- url: {LIUHE}/show.asp?id=99\n  decision: drop\n  reviewer: 赵六\n  date: 2026-11-28\n  note: 过期信息\n",
        encoding="utf-8")
    blocked = quarantined(config, "liuhe")
    assert urls["hidden_footer.html"] not in blocked
    assert blocked[screened["docx_page"]] == "经人工审核不予发布：名单含身份证号，不再公开（赵六，2026-11-28）"
    assert blocked[DOCX_URL] == blocked[screened["docx_page"]]
    assert blocked[f"{LIUHE}/show.asp?id=99"].endswith("过期信息（赵六，2026-11-28）")
    assert urls["pii_notice.html"] in blocked


def test_second_run_reuses_results_and_stale_results_are_refused(screened, monkeypatch):
    config = screened["config"]
    with Ledger(config.ledger_path) as ledger:
        again = screen_town(config, ledger, "liuhe")
    assert again.reused == 5 and again.counts == {**screened["report"].counts, "reused": 5}
    path = config.records_path("liuhe")
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        quarantined(config, "liuhe")
    assert "sitemigrate screen liuhe" in str(err.value)
    monkeypatch.setattr(stage, "PARALLEL_FROM", 1)
    with Ledger(config.ledger_path) as ledger:
        fresh = screen_town(config, ledger, "liuhe", workers=2)
    assert fresh.counts["flagged"] == 4 and quarantined(config, "liuhe")


def test_a_page_that_cannot_be_screened_stays_quarantined(screened, monkeypatch):
    config, url = screened["config"], screened["urls"]["welfare_lottery.html"]

    def failing(html, record, *args, **kwargs):
        if record["url"] == url:
            raise ValueError("损坏的页面")
        return screen_page(html, record, *args, **kwargs)

    monkeypatch.setattr(stage, "screen_page", failing)
    (config.workdir / "screen" / "liuhe.json").unlink()
    with Ledger(config.ledger_path) as ledger:
        report = screen_town(config, ledger, "liuhe", workers=1)
    assert report.counts["error"] == 1 and report.counts["flagged"] == 5
    assert quarantined(config, "liuhe")[url] == "隔离待审：自动筛查出错，需人工检查"


def test_quarantine_without_screening_asks_for_it(workspace):
    config = load_config(workspace / "sitemigrate.yaml")
    with pytest.raises(UserError) as err:
        quarantined(config, "taoyuan")
    assert "sitemigrate screen taoyuan" in str(err.value)
    with pytest.raises(UserError) as err, Ledger(config.ledger_path) as ledger:
        screen_town(config, ledger, "taoyuan")
    assert "sitemigrate extract taoyuan" in str(err.value)


APPROVED = f"- url: {PAGE_URL}\n  decision: publish\n  reviewer: 王五\n  date: 2026-11-27\n"


@pytest.mark.parametrize("text, expected", [
    (APPROVED + f"- url: {LIUHE}/show.asp?id=18\n  decision: drop: 不发布\n", ["第 6 行", "YAML"]),
    (APPROVED + f"- url: {LIUHE}/show.asp?id=18\n  decision: 发布\n  reviewer: 王五\n  date: 2026-11-27\n",
     ["第 6 行", "publish"]),
    (f"- url: {LIUHE}/show.asp?id=18\n  decision: drop\n  reviewer: 王五\n  date: 2026-11-27\n", ["第 1 行", "note"]),
    (APPROVED + f"- url: {PAGE_URL}#top\n  decision: publish\n  reviewer: 王五\n  date: 2026-11-27\n",
     ["第 5 行", "第 1 行"]),
    (APPROVED.replace("2026-11-27", "27/11/2026"), ["第 4 行", "年-月-日"]),
    (APPROVED + "  reviewed: yes\n", ["第 5 行", "reviewed"]),
])
def test_review_file_errors_name_file_and_line(workspace, text, expected):
    config = load_config(workspace / "sitemigrate.yaml")
    path = workspace / "reviews.yaml"
    assert load_reviews(config) == {}
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_reviews(config)
    message = str(err.value)
    assert message.startswith(str(path)) and all(part in message for part in expected), message


def test_review_report_escapes_hostile_snippets_and_offers_yaml_to_copy(screened):
    config, urls = screened["config"], screened["urls"]
    report = screened["report"]
    hostile = f"{LIUHE}/show.asp?id=40"
    html = page_with("<div style='display:none'><a href='http://www.x-bet.com/'>"
                     "&lt;script&gt;alert(1)&lt;/script&gt;百家乐</a><script>alert(2)</script></div>")
    findings = screen_page(html, record_of(html, hostile))
    report.flagged[hostile] = stage.PageResult(hostile, "<img src=x onerror=alert(3)>", findings)
    path = write_review_report(config, [report])
    text = path.read_text(encoding="utf-8")
    assert "<script>alert" not in text and "<img src=x" not in text
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text
    assert "<mark>&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;百家乐</mark>" in text
    assert "<mark>430981********1237</mark>" in text and VALID_ID not in text
    assert f"- url: {urls['pii_notice.html']}\n  decision: " in text
    assert "柳河街道" in text and "隐藏的博彩链接" in text
    data = json.loads((config.reports_dir / "screen.json").read_text(encoding="utf-8"))
    assert {p["status"] for p in data["towns"]["liuhe"]["pages"]} == {"pending"}


def test_yaml_copied_from_the_report_must_be_filled_in_then_loads(screened):
    config, url = screened["config"], screened["urls"]["pii_notice.html"]
    text = write_review_report(config, [screened["report"]]).read_text(encoding="utf-8")
    block = next(b for b in re.findall(r'<pre class="yaml">(.*?)</pre>', text, re.S) if url in b)
    block = unescape(block) + "\n"
    (config.root / "reviews.yaml").write_text(block, encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_reviews(config)
    assert "decision" in str(err.value) and "第 2 行" in str(err.value)
    filled = block.replace("decision:", "decision: publish", 1).replace("reviewer:", "reviewer: 王五", 1)
    (config.root / "reviews.yaml").write_text(filled, encoding="utf-8")
    review = load_reviews(config)[url]
    assert (review.decision, review.reviewer) == ("publish", "王五")
    assert url not in quarantined(config, "liuhe")


def test_the_same_injected_block_on_many_pages_is_offered_as_one_review_block(workspace):
    config = load_config(workspace / "sitemigrate.yaml")
    html = (FIXTURES / "hidden_footer.html").read_text(encoding="utf-8")
    report = stage.ScreenReport(town="liuhe", path=workspace / "x.json", screened=4)
    for i in range(3):
        url = f"{LIUHE}/show.asp?id={50 + i}"
        report.flagged[url] = stage.PageResult(url, f"页面{i}", screen_page(html, record_of(html, url)))
    pii_url = f"{LIUHE}/show.asp?id=60"
    pii_html = (FIXTURES / "pii_notice.html").read_text(encoding="utf-8")
    report.flagged[pii_url] = stage.PageResult(pii_url, "公示", screen_page(pii_html, record_of(pii_html, pii_url)))
    text = write_review_report(config, [report]).read_text(encoding="utf-8")
    assert "同一段垃圾代码出现在 3 个待审页面" in text
    blocks = [unescape(b) for b in re.findall(r'<pre class="yaml">(.*?)</pre>', text, re.S)]
    group = next(b for b in blocks if b.count("- url:") > 1)
    assert [u for u in re.findall(r"- url: (\S+)", group)] == [f"{LIUHE}/show.asp?id={50 + i}" for i in range(3)]


# ---------------------------------------------------------------- the bundled sample sites

def fetch_and_screen(opener, article: dict) -> list:
    """The article as the pipeline sees it: fetched over HTTP, extracted, then screened."""
    from migrate.extract import extract
    from migrate.screen.text import decode_text

    with opener.open(article["url"], timeout=30) as resp:
        body, headers = resp.read(), list(resp.headers.items())
        charset = resp.headers.get_content_charset()
    record = extract(body, article["url"], headers=headers)
    texts = {}
    for att in article["attachments"]:
        fmt = attachment_format(att["name"], att["url"])
        if fmt:
            with opener.open(att["url"], timeout=30) as resp:
                texts[att["url"]] = attachment_text(resp.read(), fmt)
    return screen_page(decode_text(body, charset), record, texts)


def test_sample_sites_yield_exactly_the_planted_spam_and_personal_data():
    import urllib.request

    from migrate.samples import truth
    from migrate.samples.server import start_sample_server
    from migrate.samples.sites import sample_sites

    sites = sample_sites()
    gambling = {canonical(a.url) for a in sites["liuhe"].articles if a.options.get("gambling")}
    unmasked = {canonical(a.url) for a in sites["qingshi"].articles if a.kind == "publicity:dibao"}
    assert len(gambling) == 1 and len(unmasked) == 1
    found = {}
    with start_sample_server() as server:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.proxy_url}))
        for article in truth.ARTICLES:
            findings = [f for f in fetch_and_screen(opener, article) if f.category in ("spam", "pii")]
            if findings:
                found[article["url"]] = findings
    assert set(found) == gambling | unmasked
    [spam] = found[gambling.pop()]
    assert (spam.rule, spam.match, spam.topic) == ("hidden-spam-links", "澳门新葡京", "博彩")
    pii = found[unmasked.pop()]
    assert sorted(f.rule for f in pii) == ["id-number", "mobile"]
    assert all(f.count == 1 and f.where == "正文" for f in pii)
