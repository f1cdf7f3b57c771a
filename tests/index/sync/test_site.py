"""Reading Ofsted's pages: councils, publications, and a clear stop when the layout is not there."""

from datetime import date

import pytest

from index.sync.site import (
    LayoutChanged,
    Provider,
    file_id,
    providers_on,
    publications_on,
    search_url,
    wanted,
)
from tests.fixtures.ofsted_site import OfstedSite, corpus_reports

PROVIDER = Provider("80561", "Staffordshire County Council", "https://reports.ofsted.gov.uk/provider/44/80561")


def _page(links: str) -> str:
    return f"<html><body><ul>{links}</ul></body></html>"


def test_the_stand_ins_pages_read_as_the_councils_and_reports_it_serves():
    site = OfstedSite(corpus_reports("staffordshire", "north-northamptonshire"))
    listed = providers_on(site.search_page({"start": ["0"], "rows": ["100"]}), site.url + "/search")
    assert [p.urn for p in listed] == [urn for urn, _ in site.providers()]
    assert listed[0].url.startswith(site.url + "/provider/44/")
    staffordshire = next(p for p in listed if p.urn == "80561")
    found, unread = publications_on(site.provider_page("80561"), staffordshire)
    assert unread == []
    assert sorted(p.published for p in found) == [date(2014, 3, 21), date(2019, 3, 11), date(2024, 1, 12)]
    assert {p.kind for p in found} == {"Children's services inspection"}
    assert {p.file_id for p in found} == {r.file_id for r in site.reports if r.urn == "80561"}
    site.server.server_close()


def test_a_search_page_is_paged_and_links_to_the_same_council_twice_are_one():
    assert "start=100&rows=100" in search_url("https://reports.ofsted.gov.uk", 100)
    assert "level_1_types=3" in search_url("https://reports.ofsted.gov.uk/", 0)
    page = _page('<a href="/provider/44/1">A Council</a><a href="/provider/44/1">A Council</a><a href="/x">Home</a>')
    assert [p.urn for p in providers_on(page, "https://reports.ofsted.gov.uk/search")] == ["1"]


@pytest.mark.parametrize(
    ("hidden", "kind", "published"),
    [
        ("Children's services inspection - 09 May 2025, pdf", "Children's services inspection", date(2025, 5, 9)),
        ("Focused visit - 3 Sept 2024", "Focused visit", date(2024, 9, 3)),
        ("Focused visit - in the autumn", None, None),  # no date: the reader stops rather than guess
        ("Monitoring visit - 14 Feb 2023", "Monitoring visit", date(2023, 2, 14)),
        ("Children’s services inspection - 28 July 2026", "Children’s services inspection", date(2026, 7, 28)),
    ],
)
def test_a_publication_reads_its_kind_and_date_from_the_hidden_text(hidden, kind, published):
    page = _page(f'<li><a class="publication-link x" href="/v1/file/5"><span class="nonvisual">{hidden}</span></a>')
    if kind is None:
        assert publications_on(page, PROVIDER) == ([], [hidden])  # named in the run's summary, not guessed
        return
    (found,), _ = publications_on(page, PROVIDER)
    assert (found.kind, found.published) == (kind, published)
    assert found.url == "https://reports.ofsted.gov.uk/v1/file/5"  # made absolute against the page
    assert wanted(found)


def test_a_publication_link_without_its_description_is_a_changed_layout_and_a_page_without_links_is_empty():
    with pytest.raises(LayoutChanged, match="a publication link without span.nonvisual on Staffordshire"):
        publications_on(_page('<a class="publication-link" href="/v1/file/5">Report</a>'), PROVIDER)
    # A page without publication links may be a council with nothing yet: the run judges all pages together.
    assert publications_on(_page('<a class="publication" href="/v1/file/5">Report</a>'), PROVIDER) == ([], [])


def test_a_malformed_link_is_dropped_not_fatal():
    page = _page('<a href="http://[bad/provider/44/1">Bad</a><a href="/provider/44/2">Good Council</a>')
    assert [p.urn for p in providers_on(page, "https://reports.ofsted.gov.uk/search")] == ["2"]


def test_only_the_kinds_the_library_keeps_are_wanted():
    page = _page(
        '<a class="publication-link" href="/v1/file/1"><span class="nonvisual">Joint targeted area inspection'
        ' - 01 May 2025</span></a><a class="publication-link" href="/v1/file/2"><span class="nonvisual">'
        "Focused visit - 02 May 2025</span></a>"
    )
    assert [p.file_id for p in publications_on(page, PROVIDER)[0] if wanted(p)] == ["2"]


def test_a_report_is_known_by_its_file_id_whatever_host_serves_it():
    assert file_id("https://files.ofsted.gov.uk/v1/file/50181505") == "50181505"
    assert file_id("http://mirror.local:8080/v1/file/50181505?download=1") == "50181505"
