"""/follow in Slack: a digest per new report for a followed council, once across replicas, with "Brief me"."""

import json
import sqlite3
from dataclasses import replace
from datetime import date
from urllib.parse import quote, urlencode

import pytest

from bot.follows import FollowBook
from bot.slack.governance import Governance
from index.ingest import ingest
from index.library import open_library
from index.sync import Fetcher, ReportFolder, arrivals, sync
from tests.bot.slack.test_slack_replicas import _replica
from tests.fixtures.library import engine_over
from tests.fixtures.ofsted_site import Listed
from tests.fixtures.slack import post
from tests.fixtures.slack_standin import SlackStandIn


def _command(url: str, verb: str, text: str = "", channel: str = "CGOOD"):
    form = urlencode(
        {"command": f"/{verb}", "text": text, "user_id": "U1", "channel_id": channel, "team_id": "T1",
         "trigger_id": "x", "response_url": "x"}
    )  # fmt: skip
    response, _ = post(url, form, form=True)
    assert response.status_code == 200
    return response.text


def _sync(site, library, data):
    folder = ReportFolder(data)
    fetcher = Fetcher(folder.pages, user_agent="briefing-test", interval=0)
    run = lambda paths: ingest(paths, library.store, library.embedder, workers=0)  # noqa: E731
    return sync(fetcher, folder, site.url, library.store.reports(), run)


@pytest.fixture
def followers(ofsted_site, tmp_path, embedder):
    """Two bot replicas sharing one data dir (its follow book and arrivals) and one Slack."""
    data = tmp_path / "data"
    library = open_library(data, embedder, writer=True)
    standin = SlackStandIn()
    governance = Governance(channels={"CGOOD", "COTHER", "dm"}, audit_path=tmp_path / "audit.jsonl")
    engine = engine_over(library.retriever, None)
    bots = []
    for _ in range(2):
        bot, url = _replica(engine, standin, governance, follows=FollowBook(data), data_dir=data)
        bots.append((bot, url))
    yield standin, bots, library, data
    for bot, _ in bots:
        bot.shutdown()
    standin.close()
    library.close()


def _digests(standin) -> list[dict]:
    return [m for m in standin.named("chat.postMessage") if "digest" in json.dumps(m.get("blocks") or "")]


def _hold_back_newest(site, folder: str) -> Listed:
    """Take a council's newest report off the site, to publish it later as news."""
    newest = max((r for r in site.reports if f"/{folder}/" in str(r.pdf)), key=lambda r: r.published)
    site.withdraw(newest.file_id)
    return newest


def _publish_today(site, report: Listed) -> None:
    site.reports.append(replace(report, published=date.today()))


def _news(site, library, data, folder: str) -> None:
    """The council's back catalogue synced, then its newest report published today and synced."""
    newest = _hold_back_newest(site, folder)
    _sync(site, library, data)
    _publish_today(site, newest)
    _sync(site, library, data)


def test_one_digest_per_new_report_for_a_followed_council_across_two_replicas(followers, ofsted_site):
    standin, ((first, url_a), (second, url_b)), library, data = followers
    assert "Following North Northamptonshire here" in _command(url_a, "follow", "north northamptonshire")
    assert "already follows" in _command(url_b, "follow", "North Northamptonshire")
    assert _command(url_b, "following") == "This channel follows North Northamptonshire."
    assert "not an English children's services authority" in _command(url_a, "follow", "Narnia")

    newest = _hold_back_newest(ofsted_site, "north-northamptonshire")
    assert len(_sync(ofsted_site, library, data).added) == 6
    assert first.announcer.look() + second.announcer.look() == 0  # a back catalogue synced is not news

    _publish_today(ofsted_site, newest)
    assert len(_sync(ofsted_site, library, data).added) == 1
    assert first.announcer.look() + second.announcer.look() == 1  # one digest, from whichever replica claims it
    assert first.announcer.look() + second.announcer.look() == 0  # and never again
    (posted,) = _digests(standin)
    assert posted["channel"] == "CGOOD" and "North Northamptonshire" in posted["text"]
    text = json.dumps(posted["blocks"])
    # The grades are the covers': before (2022) and now (2026), each cited to the report that gives it.
    assert "Overall effectiveness: requires improvement \\u2192 not judged" in text
    assert "Impact of leaders: requires improvement \\u2192 outstanding" in text
    assert "Outstanding" in text and "Requires improvement to be good" in text  # the covers' own rows, quoted


def test_only_channels_following_when_a_report_arrives_get_its_digest(followers, ofsted_site):
    standin, ((first, url_a), _), library, data = followers
    _command(url_a, "follow", "Staffordshire")
    _command(url_a, "follow", "Staffordshire", channel="COTHER")
    assert FollowBook(data).following("COTHER") == ["Staffordshire"]  # a new process reads the same book
    assert _command(url_a, "unfollow", "staffordshire") == "No longer following Staffordshire here."
    _news(ofsted_site, library, data, "staffordshire")
    _command(url_a, "follow", "Staffordshire")  # after the report arrived: not told of it
    assert first.announcer.look() == 1 and [d["channel"] for d in _digests(standin)] == ["COTHER"]


def test_a_digest_is_never_lost_to_a_failed_post_or_a_replica_killed_mid_post(followers, ofsted_site):
    standin, ((first, url_a), (second, _)), library, data = followers
    _command(url_a, "follow", "West Northamptonshire")
    _news(ofsted_site, library, data, "west-northamptonshire")
    standin.errors["chat.postMessage"] = "channel_not_found"
    assert first.announcer.look() == 0
    del standin.errors["chat.postMessage"]
    (arrival,) = [a for a in arrivals(data) if a.published == date.today().isoformat()]
    book = FollowBook(data)
    assert book.claim(arrival.source, "CGOOD")  # a replica claims it, then dies before posting
    assert first.announcer.look() + second.announcer.look() == 0
    with sqlite3.connect(book.path) as db:  # twenty minutes later
        db.execute("update digests set claimed = '2000-01-01T00:00:00+00:00' where posted_ts is null")
    assert first.announcer.look() + second.announcer.look() == 1
    assert len(_digests(standin)) == 2  # the post Slack refused, and the one that went


def test_brief_me_under_a_digest_posts_the_brief_in_its_thread(followers, ofsted_site):
    standin, ((first, url_a), (_, url_b)), library, data = followers
    _command(url_a, "follow", "West Northamptonshire")
    _news(ofsted_site, library, data, "west-northamptonshire")
    assert first.announcer.look() == 1
    digest_ts = standin.posted[-1]
    action = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "channel": {"id": "CGOOD"},
        "team": {"id": "T1"},
        "container": {"message_ts": digest_ts},
        "message": {"ts": digest_ts},
        "trigger_id": "t",
        "actions": [
            {"action_id": "brief_me", "block_id": "digest", "value": "West Northamptonshire", "type": "button"}
        ],
    }
    response, _ = post(url_b, "payload=" + quote(json.dumps(action)), form=True)
    assert response.status_code == 200
    in_thread = lambda: [m for m in standin.named("chat.postMessage") if m.get("thread_ts") == digest_ts]  # noqa: E731
    assert standin.wait_for(lambda: any("Briefing: West Northamptonshire" in m["text"] for m in in_thread()))
