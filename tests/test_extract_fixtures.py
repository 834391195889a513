"""migrate.extract on hand-written fixture pages: one per CMS profile, date format, metadata
layout and encoding trap (tests/fixtures/extract/expected.yaml says what each page holds)."""

import re
from pathlib import Path

import pytest
import yaml

from migrate.extract import RECORD_KEYS, extract

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
CASES = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))["pages"]


def compact(text):
    return re.sub(r"[\s\u3000\u00a0]", "", text or "")


@pytest.fixture(scope="module")
def records():
    return {
        case["file"]: extract((FIXTURES / case["file"]).read_bytes(), case["url"],
                              headers=case.get("headers"))
        for case in CASES
    }


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_fixture_page(case, records):
    record = records[case["file"]]
    for key in RECORD_KEYS:
        assert key in record, key
    for key, want in case["expect"].items():
        assert record.get(key) == want, f"{case['file']}: {key}"
    for attachment in case.get("attachments", []):
        assert attachment in record["attachments"]
    body = compact(record["body_text"])
    for text in case.get("body_has", []):
        assert compact(text) in body
    for text in case.get("body_lacks", []):
        assert compact(text) not in body
    for text in case.get("html_has", []):
        assert text in record["body_html"]
    if case.get("has_date_review"):
        assert record["date_review"]
    if "list_items" in case:
        assert len(record["list_items"]) == case["list_items"]


def test_every_profile_and_layout_is_covered(records):
    """The fixture set keeps one page per body source and per date source."""
    bodies = {r["field_sources"].get("body", "").split(":")[0] for r in records.values()}
    assert {"profile", "density"} <= bodies
    dates = {r["field_sources"].get("date", "").split(":")[0] for r in records.values()}
    assert {"field", "date-line", "meta", "url"} <= dates


def test_body_html_is_sanitised_and_absolute(records):
    html = records["inline_spans_title_date.html"]["body_html"]
    assert "<script" not in html and "onclick" not in html and "class=" not in html
    assert 'src="http://www.baisha.yunxi.gov.cn/news/2019/upload/2019/07/fx0714.jpg"' in html
    trs = records["trs_gbk_index_table.html"]["body_html"]
    assert ('href="http://www.taoyuan.yunxi.gov.cn/zwgk/tzgg/202003/P020200305551234567890.doc"'
            in trs)


def test_bytes_and_text_input_agree():
    raw = (FIXTURES / "gkmlpt_classify.html").read_bytes()
    url = "https://www.yunfeng.gov.cn/yfz/gkmlpt/content/3/3934/post_3934567.html"
    from_bytes = extract(raw, url)
    from_text = extract(raw.decode("utf-8"), url)
    for key in RECORD_KEYS:
        assert from_bytes[key] == from_text[key], key


def test_relative_links_stay_relative_without_url():
    record = extract((FIXTURES / "asp_table_layout.html").read_bytes())
    assert record["url"] is None
    assert record["attachments"] == [{"url": "upload/201504/20150403090312.doc", "name": "整治任务分解表"}]
