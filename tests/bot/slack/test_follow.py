"""/follow in Slack: a digest per new report for a followed council, once across replicas, with "Brief me"."""

import json
from urllib.parse import quote, urlencode

import pytest

from bot.follows import FollowBook
from bot.slack.governance import Governance
from index.ingest import ingest
from index.library import open_library
from index.sync import Fetcher, ReportFolder, sync
from tests.bot.slack.test_slack_replicas import _replica
from tests.fixtures.library import engine_over
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


def test_one_digest_per_new_report_for_a_followed_council_across_two_replicas(followers, ofsted_site):
    standin, ((first, url_a), (second, url_b)), library, data = followers
    assert "Following North Northamptonshire here" in _command(url_a, "follow", "north northamptonshire")
    assert "already follows" in _command(url_b, "follow", "North Northamptonshire")
    assert _command(url_b, "following") == "This channel follows North Northamptonshire."
    assert "not an English children's services authority" in _command(url_a, "follow", "Narnia")

    summary = _sync(ofsted_site, library, data)
    assert len(summary.added) == 7
    assert first.announcer.look() + second.announcer.look() == 2  # North Northamptonshire's two reports
    assert first.announcer.look() + second.announcer.look() == 0  # and never again
    digests = _digests(standin)
    assert len(digests) == 2 and {d["channel"] for d in digests} == {"CGOOD"}

    newest = next(d for d in digests if "2026-07-07" in d["text"])
    text = json.dumps(newest["blocks"])
    # The grades are the cover's: before (2022) and now (2026), each cited to the report that gives it.
    assert "Overall effectiveness: requires improvement \\u2192 not judged" in text
    assert "Impact of leaders: requires improvement \\u2192 outstanding" in text
    assert "Outstanding" in text and "Requires improvement to be good" in text  # the covers' own rows, quoted


def test_a_follow_survives_a_restart_and_unfollow_ends_the_digests(followers, ofsted_site):
    standin, ((first, url_a), _), library, data = followers
    _command(url_a, "follow", "Staffordshire")
    assert FollowBook(data).following("CGOOD") == ["Staffordshire"]  # a new process reads the same book
    assert _command(url_a, "unfollow", "staffordshire") == "No longer following Staffordshire here."
    _sync(ofsted_site, library, data)
    assert first.announcer.look() == 0 and _digests(standin) == []


def test_brief_me_under_a_digest_posts_the_brief_in_its_thread(followers, ofsted_site):
    standin, ((first, url_a), (_, url_b)), library, data = followers
    _command(url_a, "follow", "West Northamptonshire")
    _sync(ofsted_site, library, data)
    assert first.announcer.look() == 2
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
