"""Who is asking, read from each kind of request Bolt hands over: the asker's own workspace, never the host's."""

from bot.slack.payload import Asker, asker


def test_an_event_is_read_from_the_event_itself():
    body = {"team_id": "THOST", "event": {"type": "app_mention", "user": "U1", "channel": "C1", "user_team": "TGUEST"}}
    assert asker(body) == Asker("TGUEST", "C1", "U1")  # Slack Connect: the guest's team, not the envelope's


def test_a_message_carrying_assistant_fields_is_still_its_sender():
    event = {"type": "message", "user": "U1", "channel": "D1", "assistant_thread": {"action_token": "x"}}
    assert asker({"team_id": "T1", "event": event}) == Asker("T1", "D1", "U1")


def test_an_assistant_thread_is_read_from_its_thread():
    event = {"type": "assistant_thread_started", "assistant_thread": {"user_id": "U2", "channel_id": "D2"}}
    assert asker({"team_id": "T1", "event": event}) == Asker("T1", "D2", "U2")


def test_a_slash_command_and_a_button_click():
    command = {"command": "/brief", "user_id": "U3", "channel_id": "C3", "team_id": "T3"}
    assert asker(command) == Asker("T3", "C3", "U3")
    click = {
        "type": "block_actions",
        "user": {"id": "U4", "team_id": "T4"},
        "channel": {"id": "C4"},
        "team": {"id": "TX"},
    }
    assert asker(click) == Asker("T4", "C4", "U4")
