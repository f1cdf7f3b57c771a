"""The polite client against a real local web server: retries, Retry-After, torn files, error pages, 304s."""

import pytest

from index.sync.fetch import Fetcher, NotAPdf, OffSite, SiteUnavailable
from tests.fixtures.ofsted_site import OfstedSite, corpus_reports


class Clock:
    """Time that moves only when the client sleeps: spacing and backoff are checked, never waited for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def site():
    with OfstedSite(corpus_reports("staffordshire")) as running:
        yield running


def _fetcher(tmp_path, clock, **options) -> Fetcher:
    options = {"interval": 0.0, "timeout": 2.0, "retries": 3, "backoff": 1.0, **options}
    return Fetcher(tmp_path / "pages", user_agent="briefing-test/1 (tests)", sleep=clock.sleep, clock=clock, **options)


def _pdf_url(site) -> str:
    return f"{site.url}/v1/file/{site.reports[0].file_id}"


def test_a_pdf_is_written_whole_and_matches_the_served_file(site, tmp_path):
    fetcher = _fetcher(tmp_path, Clock())
    target = tmp_path / "out" / "report.pdf"
    size = fetcher.download(_pdf_url(site), target)
    assert target.read_bytes() == site.reports[0].pdf.read_bytes()
    assert size == target.stat().st_size
    assert [p.name for p in target.parent.iterdir()] == ["report.pdf"]


def test_429_is_retried_after_the_time_the_site_asks_for(site, tmp_path):
    clock = Clock()
    site.fault("/search", "429")
    _fetcher(tmp_path, clock).page(f"{site.url}/search?start=0&rows=100")
    assert clock.slept == [2.0]  # the stand-in's Retry-After, not the backoff's 1 s
    assert [status for path, status in site.requests] == [429, 200]


def test_5xx_is_retried_with_exponential_backoff_then_given_up_in_one_line(site, tmp_path):
    clock = Clock()
    site.fault("/search", "500", "500", "500", "500")
    with pytest.raises(SiteUnavailable, match=r"^GET http://127\.0\.0\.1:\d+/search\?x=1: HTTP 500 after 4 tries$"):
        _fetcher(tmp_path, clock).page(f"{site.url}/search?x=1")
    assert clock.slept == [1.0, 2.0, 4.0]


def test_requests_are_spaced_by_the_interval(site, tmp_path):
    clock = Clock()
    fetcher = _fetcher(tmp_path, clock, interval=1.5)
    for _ in range(3):
        fetcher.page(f"{site.url}/search?start=0&rows=100")
    assert clock.slept == [1.5, 1.5]
    assert fetcher.counts.requests == 3


def test_an_unchanged_page_is_asked_for_conditionally_and_served_from_the_last_copy(site, tmp_path):
    url = f"{site.url}/provider/44/80561"
    first = _fetcher(tmp_path, Clock()).page(url)
    again = _fetcher(tmp_path, Clock())  # a new run: only the copy on disk carries over
    assert again.page(url) == first
    assert again.counts.not_modified == 1
    assert [status for _, status in site.requests] == [200, 304]


def test_a_stalled_request_times_out_and_is_retried(site, tmp_path):
    clock = Clock()
    site.fault("/v1/file/", "stall")
    target = tmp_path / "report.pdf"
    _fetcher(tmp_path, clock, timeout=0.5).download(_pdf_url(site), target)
    assert target.read_bytes() == site.reports[0].pdf.read_bytes()
    assert clock.slept == [1.0]


def test_a_torn_download_is_retried_and_never_left_in_place(site, tmp_path):
    site.fault("/v1/file/", "truncate", "truncate")
    target = tmp_path / "report.pdf"
    fetcher = _fetcher(tmp_path, Clock())
    fetcher.download(_pdf_url(site), target)
    assert target.read_bytes() == site.reports[0].pdf.read_bytes()
    assert fetcher.counts.retries == 2
    site.fault("/v1/file/", *["truncate"] * 4)
    with pytest.raises(SiteUnavailable, match="after 4 tries"):
        fetcher.download(_pdf_url(site), tmp_path / "torn.pdf")
    assert not (tmp_path / "torn.pdf").exists()
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))


def test_an_html_error_page_served_as_a_pdf_is_refused_at_once(site, tmp_path):
    site.fault("/v1/file/", "html")
    target = tmp_path / "report.pdf"
    with pytest.raises(NotAPdf, match=r"not a PDF \(the site sent application/pdf: an error page\?\)"):
        _fetcher(tmp_path, Clock()).download(_pdf_url(site), target)
    assert not target.exists() and not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))
    assert len(site.pdf_requests()) == 1  # asking again would get the same page


def test_the_site_is_told_who_is_asking(site, tmp_path):
    _fetcher(tmp_path, Clock()).page(f"{site.url}/search?start=0&rows=100")
    assert site.agents == {"briefing-test/1 (tests)"}


def test_a_body_cut_short_without_a_length_is_caught_by_the_end_of_file_marker(site, tmp_path):
    site.fault("/v1/file/", "cut")
    target = tmp_path / "report.pdf"
    fetcher = _fetcher(tmp_path, Clock())
    fetcher.download(_pdf_url(site), target)
    assert target.read_bytes() == site.reports[0].pdf.read_bytes() and fetcher.counts.retries == 1


def test_a_site_asking_to_wait_longer_than_we_would_stops_the_run_at_once(site, tmp_path):
    clock = Clock()
    site.fault("/search", "wait-an-hour")
    with pytest.raises(SiteUnavailable, match="asked to wait 3600 s; stopping"):
        _fetcher(tmp_path, clock).page(f"{site.url}/search?start=0&rows=100")
    assert clock.slept == [] and len(site.requests) == 1


def test_links_off_the_site_are_never_fetched(site, tmp_path):
    fetcher = _fetcher(tmp_path, Clock(), hosts={"127.0.0.1"})
    for url in ("http://169.254.169.254/v1/file/1", "file:///etc/passwd", "ftp://127.0.0.1/v1/file/1"):
        with pytest.raises(OffSite, match="not on the site"):
            fetcher.download(url, tmp_path / "x.pdf")
    assert site.requests == [] and not (tmp_path / "x.pdf").exists()
