"""`briefing doctor`: checks settings, store, model and Slack tokens, and says how to fix what is wrong."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.llm.openai_compatible import masked_url
from bot.settings import Settings


@dataclass
class Check:
    """One line of `briefing doctor`."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def doctor(settings: Settings, *, probe_model: bool = True) -> list[Check]:
    """Check settings, store, model and Slack tokens; say what is wrong and how to fix it."""
    from index.errors import BriefingError

    checks: list[Check] = []
    checks.append(Check("data dir", True, str(settings.data_dir)))
    try:
        from bot.app import create_library

        library = create_library(settings)
        count = library.store.count()
        where = masked_url(settings.chroma_url) if settings.chroma_url else str(settings.chroma_dir)
        checks.append(
            Check(
                "library",
                count > 0,
                f"{count} passages in {where}",
                "" if count else "run: briefing ingest ../shared/corpus",
            )
        )
    except BriefingError as err:
        checks.append(Check("library", False, str(err), "check BRIEFING_CHROMA_URL or BRIEFING_DATA_DIR"))
    if probe_model:
        checks += _model_checks(settings)
    if settings.slack_bot_token is not None:
        try:
            from slack_sdk import WebClient

            reply = WebClient(
                token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=10
            ).auth_test()
            checks.append(Check("slack", True, f"bot token valid for {reply.get('team')} as {reply.get('user')}"))
        except Exception as err:  # noqa: BLE001 - any failure here is reported, not raised
            checks.append(Check("slack", False, f"auth.test failed: {err}", "check SLACK_BOT_TOKEN"))
    else:
        checks.append(Check("slack", True, "not configured (only needed for `briefing slack`)"))
    return checks


def _model_checks(settings: Settings) -> list[Check]:
    """A server is asked for a few tokens; the in-process model runs a real forward pass in a child."""
    from bot.app import check_model, create_llm, model_file
    from index.errors import BriefingError

    if settings.llm_url:
        try:
            llm = create_llm(settings)
            started = time.perf_counter()
            tokens = list(llm.stream([{"role": "user", "content": "Say OK."}], max_tokens=16))
            seconds = time.perf_counter() - started
            return [Check("model", bool(tokens), f"{llm.name}: {len(tokens) / seconds:.1f} tokens/s on a probe")]
        except BriefingError as err:
            return [Check("model", False, str(err), "check BRIEFING_LLM_URL and that the server is up")]
    try:
        path = model_file(settings)
    except BriefingError as err:
        return [Check("model", False, str(err), "pip install 'briefing[model]' or set BRIEFING_LLM_URL")]
    result = check_model(settings, path, trust_record=False)
    from bot.llm.probe import cpu_features

    repack = "on" if settings.llama_repack else "off"
    buffers = ", ".join(result.buffers) or "not reported"
    return [
        Check("model", result.ok, result.detail, result.fix),
        Check("cpu", True, f"{cpu_features()}; llama.cpp: {result.system_info or 'did not report'}"),
        Check("buffers", result.ok, f"weights in {buffers} (repacking {repack}: BRIEFING_LLAMA_REPACK)"),
    ]
