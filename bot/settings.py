"""Every setting in one place: `BRIEFING_*` environment variables and a `.env` file.

The environment is read here only, once, by the entry point; everything else is handed the
`Settings` object (or just the values it needs).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.llm.openai_compatible import masked_url
from index.library import DEFAULT_COLLECTION

LOOPBACK = {"localhost", "127.0.0.1", "::1"}  # hosts that are this machine


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "briefing"


# long: one field per setting with its description; the whole configuration in one place is the point.
class Settings(BaseSettings):
    """The whole configuration; `briefing config` prints it with secrets masked."""

    model_config = SettingsConfigDict(env_prefix="BRIEFING_", env_file=".env", extra="ignore")

    # --- the library ---
    data_dir: Path = Field(default_factory=_default_data_dir, description="Where the index, model and logs live.")
    cache_dir: Path | None = Field(
        None,
        description="Derived files kept between runs (the int8 embedder, the model's prompt-prefix state); "
        "unset = <data_dir>/cache.",
    )
    chroma_url: str | None = Field(None, description="Chroma server URL; unset = embedded store under data_dir.")
    collection: str = Field(DEFAULT_COLLECTION, description="Chroma collection holding the passages.")
    embedding_model_dir: Path | None = Field(
        None, description="Folder with model.onnx + tokenizer.json; unset = bundled all-MiniLM-L6-v2 int8."
    )
    embedding_max_tokens: int = Field(
        128,
        ge=16,
        le=512,
        description="Word pieces of a passage the embedder reads (its cost grows with them); re-ingest after a change.",
    )
    quantize_embedder: bool = Field(
        True, description="Run the embedding model with int8 matrix products (~1.4x faster ingest on 2 cores)."
    )
    query_prefix: str = Field("", description="Text put before queries for embedding models that want one.")
    passage_tokens: int = Field(220, description="Largest passage, in cl100k tokens.")
    ingest_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 2, ge=0, description="Processes reading files (0: in this one)."
    )
    ingest_file_timeout: float = Field(
        120.0, gt=0, description="Seconds one file may take to read before it is skipped with a reason."
    )
    ingest_file_memory_mb: int = Field(
        1024, ge=0, description="MB one file's reader may grow by before it is skipped with a reason (0: no cap)."
    )

    @field_validator("ingest_file_memory_mb")
    @classmethod
    def _memory_cap_fits_a_report(cls, value: int) -> int:
        if 0 < value < 256:
            raise ValueError("0 (no cap) or at least 256: reading the largest reports takes about 70 MB")
        return value

    # --- keeping the library current (`briefing sync`) ---
    sync_site_url: str = Field(
        "https://reports.ofsted.gov.uk", description="Ofsted's report site (search and provider pages), or a mirror."
    )
    sync_files_url: str | None = Field(
        None, description="Where the PDFs are fetched from; unset = the links' own host (files.ofsted.gov.uk)."
    )
    sync_hosts: str = Field(
        "reports.ofsted.gov.uk,files.ofsted.gov.uk",
        description="Comma-separated hosts a sync may fetch from, besides those of the two URLs above; "
        "a link elsewhere on a page is refused.",
    )
    sync_contact: str = Field("", description="An address for the site's operators, sent in the User-Agent.")
    sync_interval: float = Field(1.0, ge=0, description="Seconds between two requests to the site (politeness).")
    sync_timeout: float = Field(30.0, gt=0, description="Seconds one request may take before it is retried.")
    sync_retries: int = Field(4, ge=0, description="Retries of a request after a 429, a 5xx, a timeout or a torn file.")
    sync_kinds: str = Field(
        "children's services inspection,focused visit,monitoring visit",
        description="Comma-separated publication titles (as the site lists them) the library keeps.",
    )
    digest_every: float = Field(
        60.0, ge=0, description="Seconds between the Slack bot's looks for new reports to post to followers; 0 = off."
    )

    @property
    def sync_allowed_hosts(self) -> set[str]:
        """Where a sync may fetch: the site's host, the files' host, and those listed."""
        listed = {h.strip().lower() for h in self.sync_hosts.split(",") if h.strip()}
        urls = [self.sync_site_url, self.sync_files_url or ""]
        return listed | {urlsplit(u).hostname for u in urls if urlsplit(u).hostname}

    @property
    def sync_user_agent(self) -> str:
        """Who is asking, so the site's operators can tell us apart from a scraper and reach us."""
        from importlib.metadata import version

        contact = f"; {self.sync_contact}" if self.sync_contact else ""
        return f"briefing/{version('briefing')} (children's services briefing assistant{contact})"

    # --- the answer model ---
    llm_url: str | None = Field(None, description="OpenAI-compatible server (llama.cpp, vLLM); unset = in-process.")
    llm_api_key: SecretStr | None = Field(None, description="API key for llm_url, if it needs one.")
    llm_model: str = Field("local", description="Model name sent to llm_url.")
    model: Literal["default", "small"] = Field(
        "default", description="Bundled GGUF: default = Qwen2.5 1.5B, small = Qwen2.5 0.5B (fast, weaker)."
    )
    model_path: Path | None = Field(None, description="An explicit GGUF file; overrides `model`.")
    hf_repo: str | None = Field(None, description="Hugging Face repo to download a GGUF from (needs internet).")
    hf_file: str | None = Field(None, description="File name within hf_repo.")
    n_threads: int = Field(default_factory=lambda: os.cpu_count() or 2, description="CPU threads for llama.cpp.")
    n_ctx: int = Field(4096, description="Model context window, tokens.")
    n_gpu_layers: int = Field(
        0, ge=-1, description="Model layers on the GPU (-1: all) with a GPU build of llama-cpp-python; 0 = CPU."
    )
    llama_repack: bool = Field(
        False,
        description="Let llama.cpp repack the weights into its extra buffer types (AMX, CPU_REPACK) at load. "
        "Off: the AMX path segfaults at the first prefill on current Xeons (ggml-org/llama.cpp#20824), and "
        "repacking measured no faster here; `briefing doctor` says which buffers are in use.",
    )
    max_answer_tokens: int = Field(200, description="Longest answer the model may write.")
    prompt_budget_tokens: int = Field(
        360,
        ge=64,
        description="The whole prompt (instructions, extracts, question) in the model's tokens; "
        "each token past the cached instructions costs ~1/64 s of prefill on 2 cores.",
    )
    draft_tokens: int = Field(
        0, ge=0, description="Prompt-lookup speculative decoding: tokens guessed from the extracts per step; 0 = off."
    )
    min_relevance: float = Field(0.3, description="Below this dense similarity a passage is not evidence.")

    # --- the claim judge (answers' sentences and `briefing check`) ---
    judge: Literal["model", "rules"] = Field(
        "model",
        description="model = after the rules pass a sentence, the model must say its window states all of it "
        "(a second small context over the same model file, or judge_url); rules = the deterministic checks alone.",
    )
    judge_url: str | None = Field(
        None, description="OpenAI-compatible server for the judge (a stronger model elsewhere); unset = in-process."
    )
    judge_api_key: SecretStr | None = Field(None, description="API key for judge_url, if it needs one.")
    judge_model: str = Field("local", description="Model name sent to judge_url.")
    judge_ctx: int = Field(1024, ge=768, description="Context of the in-process judge: one window and one claim.")

    # --- Slack ---
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("BRIEFING_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("BRIEFING_SLACK_APP_TOKEN", "SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("BRIEFING_SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET")
    )
    slack_allowed_teams: str = Field("", description="Comma-separated workspace ids allowed; empty = any.")
    slack_allowed_channels: str = Field(
        "", description="Comma-separated channel ids allowed (DMs always); empty = any."
    )
    slack_allowed_users: str = Field("", description="Comma-separated user ids allowed; empty = any.")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (stand-ins in tests).")

    metrics_token: SecretStr | None = Field(
        None, description="Bearer token for /metrics from other machines; unset = this machine only."
    )

    debug: bool = Field(False, description="Log message content; off by default.")

    @property
    def chroma_dir(self) -> Path:
        """Where the embedded Chroma store lives."""
        return self.data_dir / "chroma"

    @field_validator("slack_api_url")
    @classmethod
    def _slack_over_tls(cls, value: str) -> str:
        """The bot token travels with every call: only over TLS, or to this machine (a stand-in)."""
        parts = urlsplit(value)
        if parts.scheme == "https" and parts.hostname:
            return value
        if parts.scheme == "http" and parts.hostname in LOOPBACK:
            return value
        raise ValueError("must be an https:// URL (http:// only to this machine, for a test stand-in)")

    @model_validator(mode="after")
    def _derived_paths(self) -> Settings:
        if self.cache_dir is None:
            self.cache_dir = self.data_dir / "cache"
        return self

    def masked(self) -> dict[str, str]:
        """Every setting as text, secrets shown only as set/unset."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                shown[name] = "****** (set)"
            else:
                shown[name] = "" if value is None else masked_url(str(value))
        return shown
