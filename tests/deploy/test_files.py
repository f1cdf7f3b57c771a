"""The deployment files are valid: Dockerfile hygiene (hadolint), compose and manifest structure."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    out = subprocess.run(
        [hadolint, "--config", str(DEPLOY / ".hadolint.yaml"), str(DEPLOY / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_compose_has_the_three_services_with_health_checks_and_volumes():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"bot", "chroma", "llm"} <= set(services)
    assert services["bot"]["environment"]["BRIEFING_CHROMA_URL"] == "http://chroma:8000"
    assert services["bot"]["environment"]["BRIEFING_LLM_URL"].startswith("http://llm:")
    for name in ("chroma", "llm"):
        assert "healthcheck" in services[name] and services[name]["restart"] == "unless-stopped"
    assert services["bot"]["env_file"] == "briefing.env" and set(compose["volumes"]) >= {"index", "chroma", "models"}
    assert services["ingest"]["profiles"] == ["jobs"]


def test_slack_manifest_asks_for_what_the_bot_uses():
    manifest = yaml.safe_load((DEPLOY / "slack-manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"app_mentions:read", "chat:write", "commands", "im:history", "channels:history"} <= scopes
    assert {"app_mention", "message.im", "message.channels"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )
    assert manifest["features"]["slash_commands"][0]["command"] == "/brief"
    assert manifest["settings"]["interactivity"]["is_enabled"] and manifest["settings"]["socket_mode_enabled"]


def test_every_setting_the_docs_and_deploy_files_name_exists():
    import re

    from bot.settings import Settings

    known = set()
    for name, field in Settings.model_fields.items():
        known.add(f"BRIEFING_{name.upper()}")
        choices = getattr(field.validation_alias, "choices", None) or []
        known.update(str(choice) for choice in choices)
    root = DEPLOY.parent
    named = set()
    for path in [*DEPLOY.iterdir(), root / "README.md", root / "Makefile"]:
        if path.is_file():
            named.update(re.findall(r"\bBRIEFING_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    named.discard("BRIEFING_DEBUG")  # read by the CLI itself before settings exist (tracebacks)
    assert named and not named - known, f"named but no such setting: {sorted(named - known)}"


def test_compose_starts_from_empty_volumes_and_stops_cleanly():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    # The llm reads the model from a volume that starts empty: a one-off service fills it first.
    assert services["llm"]["depends_on"]["model"]["condition"] == "service_completed_successfully"
    assert "models:/models" in services["model"]["volumes"] and "/models" in services["model"]["command"][0]
    assert services["bot"]["init"] is True  # SIGTERM reaches Python, not an ignoring PID 1
    assert all(port.startswith("127.0.0.1:") for port in services["bot"]["ports"])
    assert services["bot"]["command"][services["bot"]["command"].index("--host") + 1] == "0.0.0.0"


def test_the_manifest_grants_the_assistant_calls_the_bot_makes():
    manifest = yaml.safe_load((DEPLOY / "slack-manifest.yaml").read_text())
    assert "assistant:write" in manifest["oauth_config"]["scopes"]["bot"]
    assert "assistant_thread_started" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert "assistant_view" in manifest["features"]


def test_a_daily_sync_runs_beside_the_bot_and_writes_through_the_library_server():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    sync = compose["services"]["sync"]
    assert sync["command"][:1] == ["sync"] and sync["command"][sync["command"].index("--every") + 1] == "24"
    bot = compose["services"]["bot"]
    assert sync["environment"]["BRIEFING_CHROMA_URL"] == bot["environment"]["BRIEFING_CHROMA_URL"]
    assert sync["volumes"] == bot["volumes"]  # one data dir: arrivals and follows shared
    timer = (DEPLOY / "briefing-sync.timer").read_text()
    assert "OnCalendar=" in timer and "Persistent=true" in timer
    service = (DEPLOY / "briefing-sync.service").read_text()
    assert "Type=oneshot" in service and "briefing sync" in service and "SuccessExitStatus=2" in service
    assert "chroma run" in (DEPLOY / "briefing-chroma.service").read_text()


def test_the_manifest_has_the_follow_commands_the_bot_answers():
    manifest = yaml.safe_load((DEPLOY / "slack-manifest.yaml").read_text())
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert {"/follow", "/unfollow", "/following"} <= commands
