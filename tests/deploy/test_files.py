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
