"""Keeping the library current: new Ofsted reports found, fetched once and ingested.

The site read as data (`site`), fetched politely (`fetch`), kept on disk (`folder`), and one run that
ingests what is new through the normal pipeline (`run`).
"""

from index.sync.fetch import FetchCounts, Fetcher, NotAPdf, SiteUnavailable
from index.sync.folder import Arrival, ReportFolder, SyncRunning, arrivals
from index.sync.run import SyncSummary, sync
from index.sync.site import DEFAULT_KINDS, LayoutChanged

__all__ = [
    "DEFAULT_KINDS",
    "Arrival",
    "FetchCounts",
    "Fetcher",
    "LayoutChanged",
    "NotAPdf",
    "ReportFolder",
    "SiteUnavailable",
    "SyncRunning",
    "SyncSummary",
    "arrivals",
    "sync",
]
