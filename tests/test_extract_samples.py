"""migrate.extract on every page of the bundled sample sites (migrate.samples), against the
truth computed from the data the sample server serves: every article's fields, every column
list page recognised as a list with its column path, homepages as "other"."""

import pytest

from migrate.extract import extract
from migrate.samples.sites import sample_sites
from migrate.samples.truth import ARTICLES, SITES
from migrate.urls import canonical_url

SITE_OBJECTS = sample_sites()
FIELDS = ("title", "date", "time", "org", "source", "index_no", "doc_no", "column_path")


def served(town: str, url: str):
    resource = SITE_OBJECTS[town].resolve_url(url)
    assert resource is not None, url
    headers = list(resource.headers)
    if resource.content_type:
        headers.append(("Content-Type", resource.content_type))
    return extract(resource.body, url, headers=headers)


def list_pages():
    def walk(town, columns):
        for column in columns:
            for url in column["list_urls"]:
                if "dataproxy.jsp" not in url:  # XML feeds, not HTML pages
                    yield town, url, column["path"]
            yield from walk(town, column["children"])
    for town, site in SITES.items():
        yield from walk(town, site["columns"])


@pytest.fixture(scope="module")
def article_records():
    return [(article, served(article["town"], article["url"])) for article in ARTICLES]


def test_sample_articles_fields(article_records):
    wrong = []
    for article, record in article_records:
        for field in FIELDS:
            want = article[field] or None if field == "org" else article[field]
            if record[field] != want:
                wrong.append((article["url"], field, record[field], want))
    assert len(article_records) > 100
    assert wrong == []


def test_sample_articles_kind_attachments_images(article_records):
    for article, record in article_records:
        assert record["kind"] == "article", article["url"]
        got = {canonical_url(a["url"]): a["name"] for a in record["attachments"]}
        for attachment in article["attachments"]:
            assert got.get(attachment["url"]) == attachment["name"], (article["url"], attachment)
        images = {canonical_url(u) for u in record["images"]}
        assert set(article["images"]) <= images, article["url"]


def test_sample_list_pages():
    pages = list(list_pages())
    assert len(pages) > 20
    for town, url, path in pages:
        record = served(town, url)
        assert (record["kind"], record["column_path"]) == ("list", path), url


def test_sample_homepages_are_other():
    for town, site in SITES.items():
        assert served(town, site["start_url"])["kind"] == "other", town
