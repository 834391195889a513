"""Reposts become one canonical record; multi-page articles become one record."""

from migrate.dedupe import find_duplicates
from migrate.extract.stage import _choose_column, _merge_multipage

NOTICE = ("关于做好2023年元旦春节期间安全生产工作的通知。各村（社区）、各站所：元旦、春节将至，为切实做好"
          "节日期间安全生产工作，现将有关事项通知如下：一、高度重视，压实责任。二、排查隐患，强化整治。"
          "三、加强值守，及时报告。")


def art(url, town, title, body, date="2023-01-05"):
    return {"url": url, "town": town, "title": title, "body_text": body, "date": date}


def test_exact_repost_on_another_town_points_to_the_earliest_copy():
    found = find_duplicates([
        art("http://b/2", "b", "转发：安全生产通知", NOTICE, "2023-01-06"),
        art("http://a/1", "a", "安全生产通知", NOTICE, "2023-01-05"),
    ], ["a", "b"])
    assert found == {"http://b/2": {"canonical": "http://a/1", "town": "a", "from_town": "b",
                                    "similarity": 100.0}}


def test_same_day_copies_go_to_the_township_listed_first():
    found = find_duplicates([art("http://a/1", "a", "通知", NOTICE), art("http://b/1", "b", "通知", NOTICE)],
                            ["b", "a"])
    assert found["http://a/1"]["canonical"] == "http://b/1"


def test_near_copy_with_same_title_and_numbers_is_a_duplicate():
    near = NOTICE.replace("现将有关事项通知如下", "现将有关事项通知如下，请认真贯彻落实")
    found = find_duplicates([art("http://a/1", "a", "安全生产通知", NOTICE),
                             art("http://a/2", "a", "安全生产通知", near, "2023-01-07")], ["a"])
    assert found["http://a/2"]["canonical"] == "http://a/1"
    assert 95 <= found["http://a/2"]["similarity"] < 100


def test_templated_documents_that_differ_in_numbers_are_not_duplicates():
    def report(*numbers):
        return "桃源镇人民政府{}年政府信息公开工作年度报告。本年度主动公开政府信息{}条，受理依申请公开{}件，".format(*numbers) * 3

    def guide(phone):
        return f"城乡居民医保参保登记：办理地点为镇便民服务中心一楼，咨询电话0743-{phone}，办理时限即时办结。" * 3

    found = find_duplicates([
        art("http://a/1", "a", "2021年年报", report(2021, 120, 3)),
        art("http://a/2", "a", "2022年年报", report(2022, 131, 4)),
        art("http://a/3", "a", "医保参保登记办事指南", guide("8261035")),
        art("http://b/3", "b", "医保参保登记办事指南", guide("8277120")),
    ], ["a", "b"])
    assert found == {}


def test_short_bodies_are_never_matched():
    found = find_duplicates([art("http://a/1", "a", "图片", "详见附件"), art("http://b/1", "b", "图片", "详见附件")],
                            ["a", "b"])
    assert found == {}


def test_continuation_pages_merge_into_the_first_page():
    base = "http://x/zwgk/202301/t20230105_1001.html"
    part = "http://x/zwgk/202301/t20230105_1001_1.html"
    other = "http://x/zwgk/202301/t20230105_1002.html"
    records = {
        base: {"url": base, "kind": "article", "body_html": "<p>一</p>", "body_text": "一",
               "attachments": [{"url": "http://x/a.pdf", "name": "甲"}], "images": []},
        part: {"url": part, "kind": "article", "body_html": "<p>二</p>", "body_text": "二",
               "attachments": [{"url": "http://x/a.pdf", "name": "甲"}, {"url": "http://x/b.pdf", "name": "乙"}],
               "images": ["http://x/i.png"]},
        other: {"url": other, "kind": "article", "body_html": "<p>三</p>", "body_text": "三"},
    }
    _merge_multipage(records)
    assert records[base]["body_text"] == "一\n二"
    assert records[base]["pages"] == [base, part]
    assert [a["name"] for a in records[base]["attachments"]] == ["甲", "乙"]
    assert records[base]["images"] == ["http://x/i.png"]
    assert records[part]["kind"] == "part" and records[part]["part_of"] == base
    assert records[other]["kind"] == "article" and "pages" not in records[other]


def test_column_from_list_pages_prefers_breadcrumb_agreement_then_specificity():
    overview, child = ["政务公开"], ["政务公开", "通知公告"]
    assert _choose_column([overview, child], ["政务公开", "通知公告"]) == child
    assert _choose_column([overview, child], ["其他"]) == child
    assert _choose_column([], ["镇务动态"]) == ["镇务动态"]
    assert _choose_column([["图片新闻"], ["镇务动态"]], ["图片新闻"]) == ["图片新闻"]
