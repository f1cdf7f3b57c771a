"""Ofsted's report site read as data: the councils it lists and each council's publications.

The structure (as Ofsted publishes it): a search of local authority children's services providers
lists each council as a link to `/provider/<type>/<URN>`; a provider page lists its publications as
`a.publication-link`, whose hidden `span.nonvisual` reads "Children's services inspection - 09 May
2025", each linking to a PDF at `…/v1/file/<id>`. When that structure is not there, `LayoutChanged`
names what was not found, so a run stops before it ingests anything from a page it misread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html

from index.errors import BriefingError

#: The search of local authority children's services (Ofsted's own category and sub-category).
SEARCH_QUERY = {"q": "", "location": "", "lat": "", "lon": "", "radius": "", "level_1_types": "3",
                "level_2_types[]": "12"}  # fmt: skip
ROWS = 100  # the site's most results per page
MAX_PAGES = 20  # 153 councils fit in two; a site that never stops paging is a changed site

#: Publications a children's services library wants, as the site titles them.
DEFAULT_KINDS = ("children's services inspection", "focused visit", "monitoring visit")

_PROVIDER = re.compile(r"/provider/\d+/(\d+)/?$")
_FILE_ID = re.compile(r"/file/([^/?#]+)")
_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"


class LayoutChanged(BriefingError):
    """A page no longer has the structure the reader expects; nothing from it is trusted."""


@dataclass(frozen=True)
class Provider:
    """One council as the site lists it."""

    urn: str
    name: str
    url: str


@dataclass(frozen=True)
class Publication:
    """One report on a provider page: what it is, when it was published, where its PDF is."""

    provider: Provider
    kind: str  # as the site titles it: "Children's services inspection"
    published: date
    url: str

    @property
    def file_id(self) -> str:
        """The site's id for the PDF: the same report whatever host or mirror serves it."""
        return file_id(self.url)


def file_id(url: str) -> str:
    """The id in a files URL (`…/v1/file/50181505` → `50181505`); the whole URL when it has none."""
    found = _FILE_ID.search(urlsplit(url).path)
    return found.group(1) if found else url


def search_url(site: str, start: int, rows: int = ROWS) -> str:
    """One page of the councils' search."""
    return urljoin(site.rstrip("/") + "/", "search") + "?" + urlencode({**SEARCH_QUERY, "start": start, "rows": rows})


def _document(html: str, url: str):
    try:
        doc = lxml.html.fromstring(html or "<html></html>")
    except (ValueError, lxml.etree.ParserError) as err:
        raise LayoutChanged(f"{url}: not an HTML page ({err})") from None
    doc.make_links_absolute(url, handle_failures="discard")  # a malformed href is dropped, not fatal
    return doc


def providers_on(html: str, url: str) -> list[Provider]:
    """The councils a search page links to, each once, in page order."""
    found: dict[str, Provider] = {}
    for link in _document(html, url).xpath("//a[@href]"):
        match = _PROVIDER.search(urlsplit(link.get("href")).path)
        name = " ".join(link.text_content().split())
        if match and name:
            found.setdefault(match.group(1), Provider(match.group(1), name, link.get("href")))
    return list(found.values())


def _published(text: str) -> tuple[str, date] | None:
    """'Children's services inspection - 09 May 2025, pdf' → ("Children's services inspection", 2025-05-09)."""
    title, _, when = text.rpartition(" - ")
    when = re.sub(r",?\s*pdf\b.*$", "", when, flags=re.I).strip()
    when = re.sub(r"\bSept\b", "Sep", when, flags=re.I)
    for form in ("%d %B %Y", "%d %b %Y"):
        try:
            return " ".join(title.split()), datetime.strptime(when, form).date()
        except ValueError:
            continue
    return None


def publications_on(html: str, provider: Provider) -> tuple[list[Publication], list[str]]:
    """The publications a provider page lists, and the hidden texts of any whose date it could not read.

    A page with no publication links gives none (a new council may have nothing yet; the run decides
    whether every page being empty means the layout changed). A publication link without its
    hidden description is the structure gone: `LayoutChanged`.
    """
    doc = _document(html, provider.url)
    found, unread = [], []
    for link in doc.xpath(f"//a[{_CLASS.format('publication-link')}]"):
        hidden = link.xpath(f".//span[{_CLASS.format('nonvisual')}]")
        if not hidden:
            raise LayoutChanged(f"{provider.url}: a publication link without span.nonvisual on {provider.name}'s page")
        text = " ".join(hidden[0].text_content().split())
        said = _published(text)
        if said is None or not link.get("href"):
            unread.append(text)
            continue
        found.append(Publication(provider, said[0], said[1], link.get("href")))
    return found, unread


def wanted(publication: Publication | str, kinds: tuple[str, ...] = DEFAULT_KINDS) -> bool:
    """A children's services report of one of the kinds the library keeps (apostrophes as typed or curled)."""
    title = (publication if isinstance(publication, str) else publication.kind).lower().replace("’", "'")
    return any(kind.lower().replace("’", "'") in title for kind in kinds)
