"""A polite HTTP client for a public site: one request at a time, spaced, retried, conditional.

Ofsted's site is a public service; a daily run must not look like a scraper storm. So: an
identifying User-Agent, at most one request per `interval` seconds, timeouts on every request,
retries with exponential backoff on 429 and 5xx (honouring `Retry-After`), and conditional
requests (`If-None-Match` / `If-Modified-Since`) for pages, whose last copy is kept on disk.
A PDF is written to a `.part` file and moved into place only when it is whole and is a PDF.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from index.errors import BriefingError

RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_WAIT = 300.0  # the longest Retry-After honoured; a site asking for more is treated as down
MAX_PDF_BYTES = 100 * 2**20  # Ofsted's reports are 0.1-3 MB; anything near this is not a report
DOWNLOAD_DEADLINE = 10  # a PDF may take this many request timeouts in all (a byte a minute never ends)


class SiteUnavailable(BriefingError):
    """The site did not answer usefully after every retry: the run stops asking it for now."""


class OffSite(BriefingError):
    """A link or redirect to a host that is not the site's: never fetched (a hostile page, a typo)."""


class NotAPdf(BriefingError):
    """What came back for a report is not a whole PDF (an error page, a torn download)."""


class ErrorPage(NotAPdf):
    """The site answered 200 with something that is not a PDF (its "report not found" page): remembered a while."""


@dataclass
class FetchCounts:
    """What a run asked of the site: for the daily run's cost, and for tests."""

    requests: int = 0
    not_modified: int = 0
    downloads: int = 0
    bytes: int = 0
    retries: int = 0
    statuses: Counter = field(default_factory=Counter)


class PageCache:
    """The last copy of each page with its validators (ETag, Last-Modified), for conditional requests."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, url: str) -> Path:
        return self.folder / (hashlib.sha1(url.encode()).hexdigest() + ".json")

    def get(self, url: str) -> dict:
        """The entry kept for a page; empty when there is none."""
        try:
            return json.loads(self._file(url).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # none yet, or torn by a kill: fetched whole again

    def keep(self, url: str, entry: dict) -> None:
        """Keep a page's copy (written whole, then moved into place)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._file(url)
        part = path.with_suffix(".part")
        part.write_text(json.dumps(entry), encoding="utf-8")
        os.replace(part, path)


class Fetcher:
    """Pages and PDFs from one site, politely. `sleep` and `clock` are parameters so tests need not wait."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        user_agent: str,
        interval: float = 1.0,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 2.0,
        hosts: set[str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pages = PageCache(cache_dir)
        self.interval, self.retries, self.backoff, self.timeout = interval, retries, backoff, timeout
        self.hosts = hosts  # None: any host (tests of the client alone)
        self.sleep, self.clock = sleep, clock
        self.counts = FetchCounts()
        self._last = float("-inf")
        self._client = httpx.Client(
            headers={"User-Agent": user_agent}, timeout=httpx.Timeout(timeout), follow_redirects=True
        )

    def close(self) -> None:
        """Let go of the connection pool."""
        self._client.close()

    # --- pages ----------------------------------------------------------------------------------

    def page(self, url: str) -> str:
        """A page's HTML; unchanged since the last run (304), the copy kept from then."""
        _check_host(self.hosts, url)
        cached = self.pages.get(url)
        headers = {}
        if cached.get("etag"):
            headers["If-None-Match"] = cached["etag"]
        if cached.get("last_modified"):
            headers["If-Modified-Since"] = cached["last_modified"]
        response = self._get(url, headers)
        if response.status_code == 304 and "body" in cached:
            self.counts.not_modified += 1
            return cached["body"]
        if response.status_code != 200:
            raise SiteUnavailable(f"GET {url}: HTTP {response.status_code}")
        body = response.text
        validators = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
        if any(validators.values()):
            self.pages.keep(url, {**validators, "body": body})
        return body

    # --- PDFs -----------------------------------------------------------------------------------

    def download(self, url: str, target: Path) -> int:
        """The PDF at `url` written to `target` whole, or not at all; returns its size in bytes.

        A torn or stalled transfer is retried like a 5xx; an answer that is not a PDF (an HTML
        error page served as ".pdf") raises `NotAPdf` at once, since asking again gets the same page.
        """
        _check_host(self.hosts, url)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f".{target.name}.part")  # a dot-file: no reader ever takes it for a report
        for attempt in range(self.retries + 1):
            try:
                size = self._stream_to(url, part)
            except (httpx.TransportError, _Torn) as err:
                part.unlink(missing_ok=True)
                if attempt == self.retries:
                    raise SiteUnavailable(f"GET {url}: {_reason(err)} after {attempt + 1} tries") from None
                self._wait_before_retry(attempt, getattr(err, "retry_after", None))
                continue
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            os.replace(part, target)
            self.counts.downloads += 1
            self.counts.bytes += size
            return size
        raise AssertionError("unreachable")

    def _stream_to(self, url: str, part: Path) -> int:
        self._space()
        started = self.clock()
        # Asked unencoded; if a server compresses anyway, Content-Length counts the bytes on the wire.
        with self._client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
            self.counts.requests += 1
            self.counts.statuses[response.status_code] += 1
            _check_host(self.hosts, str(response.url))  # after redirects, too
            if response.status_code in RETRY_STATUSES:
                raise _Torn(f"HTTP {response.status_code}", _asked_wait(url, response))
            if response.status_code != 200:
                raise NotAPdf(f"{url}: HTTP {response.status_code}")
            expected = response.headers.get("Content-Length")
            size = 0
            with part.open("wb") as out:
                for chunk in response.iter_bytes(65536):
                    if size == 0 and not chunk.lstrip()[:5].startswith(b"%PDF-"):
                        kind = response.headers.get("Content-Type", "unknown").split(";")[0]
                        raise ErrorPage(f"{url}: not a PDF (the site sent {kind}: an error page?)")
                    out.write(chunk)
                    size += len(chunk)
                    if size > MAX_PDF_BYTES:
                        raise NotAPdf(f"{url}: more than {MAX_PDF_BYTES // 2**20} MB, not a report")
                    if self.clock() - started > DOWNLOAD_DEADLINE * self.timeout:
                        raise _Torn(f"still downloading after {DOWNLOAD_DEADLINE * self.timeout:.0f} s", None)
                out.flush()
                os.fsync(out.fileno())
            _whole(url, part, size, response.num_bytes_downloaded, expected)
        return size

    # --- every request --------------------------------------------------------------------------

    def _space(self) -> None:
        """At most one request per `interval` seconds."""
        wait = self._last + self.interval - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last = self.clock()

    def _get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        for attempt in range(self.retries + 1):
            self._space()
            try:
                response = self._client.get(url, headers=headers)
            except httpx.TransportError as err:
                self.counts.requests += 1
                if attempt == self.retries:
                    raise SiteUnavailable(f"GET {url}: {_reason(err)} after {attempt + 1} tries") from None
                self._wait_before_retry(attempt, None)
                continue
            self.counts.requests += 1
            self.counts.statuses[response.status_code] += 1
            _check_host(self.hosts, str(response.url))  # after redirects, too
            if response.status_code not in RETRY_STATUSES:
                return response
            if attempt == self.retries:
                raise SiteUnavailable(f"GET {url}: HTTP {response.status_code} after {attempt + 1} tries")
            self._wait_before_retry(attempt, _asked_wait(url, response))
        raise AssertionError("unreachable")

    def _wait_before_retry(self, attempt: int, retry_after: float | None) -> None:
        self.counts.retries += 1
        self.sleep(retry_after if retry_after is not None else min(self.backoff * 2**attempt, MAX_WAIT))


class _Torn(Exception):
    """A transfer worth trying again: a retryable status or a body cut short."""

    def __init__(self, reason: str, retry_after: float | None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def _check_host(hosts: set[str] | None, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (hosts is not None and parts.hostname not in hosts):
        allowed = ", ".join(sorted(hosts or ())) or "http(s) only"
        raise OffSite(f"{url}: not on the site ({allowed}); not fetched")


def _asked_wait(url: str, response: httpx.Response) -> float | None:
    """The wait the site asks for; one longer than `MAX_WAIT` means it is down for us: stop now."""
    wait = _retry_after(response)
    if wait is not None and wait > MAX_WAIT:
        raise SiteUnavailable(f"GET {url}: HTTP {response.status_code}, asked to wait {wait:.0f} s; stopping")
    return wait


def _retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds, given as seconds or as an HTTP date; None when absent or unreadable."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _whole(url: str, part: Path, size: int, sent: int, expected: str | None) -> None:
    """Raise unless the file written is all the site sent and ends as a PDF ends."""
    if size == 0:
        raise NotAPdf(f"{url}: an empty file")
    if expected is not None and expected.isdigit() and int(expected) != sent:
        raise _Torn(f"the download stopped at {sent} of {expected} bytes", None)
    if not _ends_like_pdf(part):
        raise _Torn(f"the download stopped at {size} bytes (no end-of-file marker)", None)


def is_whole_pdf(path: Path) -> bool:
    """A file on disk that starts as a PDF and has its end-of-file marker."""
    try:
        with path.open("rb") as file:
            return file.read(1024).lstrip().startswith(b"%PDF-") and _ends_like_pdf(path)
    except OSError:
        return False


def _ends_like_pdf(path: Path) -> bool:
    with path.open("rb") as file:
        file.seek(max(0, path.stat().st_size - 2048))
        return b"%%EOF" in file.read()


def _reason(err: Exception) -> str:
    if isinstance(err, httpx.TimeoutException):
        return "timed out"
    return str(err) or type(err).__name__
