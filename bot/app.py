"""The one place that builds the object graph from settings; CLI, REPL and Slack all call it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.engine.answer import AnswerEngine
from bot.llm import LLM
from bot.llm.probe import ProbeResult, ProbeSpec
from bot.settings import Settings
from index.embed import Embedder, OnnxEmbedder
from index.errors import ModelUnavailable
from index.library import Library
from index.store import ChromaStore, Store

if TYPE_CHECKING:
    from bot.evidence.entailment import Entailment
    from index.ingest import IngestSummary
    from index.sync import Fetcher


def model_file(settings: Settings) -> Path:
    """The GGUF the in-process model loads: an explicit file, a download, or the assembled bundle."""
    from bot.llm.bundle import BUNDLES, assemble, download

    models_dir = settings.data_dir / "models"
    if settings.model_path:
        return settings.model_path
    if settings.hf_repo and settings.hf_file:
        return download(settings.hf_repo, settings.hf_file, models_dir)
    return assemble(BUNDLES[settings.model], models_dir)


def probe_spec(settings: Settings, path: Path) -> ProbeSpec:
    """The probe that loads the model exactly as answers will."""
    return ProbeSpec(
        model_path=str(path),
        n_threads=settings.n_threads,
        n_ctx=settings.n_ctx,
        repack=settings.llama_repack,
        n_gpu_layers=settings.n_gpu_layers,
    )


def check_model(settings: Settings, path: Path, *, trust_record: bool) -> ProbeResult:
    """Run the model once in a child process, so a native crash is a message, not a dead process.

    `trust_record`: a pass recorded for this model, llama.cpp build, CPU and settings is enough (a
    CLI question); doctor, `model --verify` and the bot's start run it afresh.
    """
    from bot.llm.probe import passed_before, probe, remember_pass

    spec = probe_spec(settings, path)
    record = (settings.cache_dir or settings.data_dir / "cache") / "model-probe.json"
    if trust_record and passed_before(spec, record):
        return ProbeResult(True, f"{path.name}: passed its probe before on this machine")
    result = probe(spec)
    if result.ok:
        remember_pass(spec, record)
    return result


def create_llm(settings: Settings, *, check: bool = True, judging: bool = False) -> LLM:
    """The answer model the settings ask for: a server, or llama.cpp in this process once it has run.

    `judging` asks for the claim judge's model instead: BRIEFING_JUDGE_URL if set, and in process a
    second, small context over the same file (no prompt-lookup drafts: it writes one token).
    """
    from bot.llm.llama import LlamaCppLLM
    from bot.llm.openai_compatible import OpenAICompatibleLLM

    if judging and settings.judge_url:
        key = settings.judge_api_key.get_secret_value() if settings.judge_api_key else None
        return OpenAICompatibleLLM(settings.judge_url, model=settings.judge_model, api_key=key)
    if settings.llm_url:
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return OpenAICompatibleLLM(settings.llm_url, model=settings.llm_model, api_key=key)
    path = model_file(settings)
    if check:
        result = check_model(settings, path, trust_record=True)
        if not result.ok:
            raise ModelUnavailable(f"{result.detail}; fix: {result.fix}")
    return LlamaCppLLM(
        path,
        n_threads=settings.n_threads,
        n_ctx=settings.judge_ctx if judging else settings.n_ctx,
        cache_dir=settings.cache_dir,
        draft_tokens=0 if judging else settings.draft_tokens,
        n_gpu_layers=settings.n_gpu_layers,
        repack=settings.llama_repack,
    )


def create_judge(settings: Settings) -> Entailment | None:
    """The claim judge the settings ask for, or None for the rules alone.

    In process it is a second, small context over the answer model's own file, so a judgement never
    disturbs an answer being written. With only BRIEFING_LLM_URL set it asks the answer server: give
    the server two slots (llama-server `--parallel 2`), or a judge server of its own, to keep streaming.
    """
    from bot.evidence.entailment import ModelEntailment

    if settings.judge == "rules":
        return None
    return ModelEntailment(create_llm(settings, judging=True))  # type: ignore[arg-type]  # both backends weigh


def create_engine(
    settings: Settings, library: Library, *, llm: LLM | None = None, judge: Entailment | None = None
) -> AnswerEngine:
    """The answer engine over a library; the model (and the judge, if the settings want one) load on first use.

    An in-process judge is a second context over the model file: llama.cpp maps the weights, so on a
    CPU the two share them through the page cache (not with GPU layers or repacked weights).
    """
    factory = (lambda: llm) if llm is not None else (lambda: create_llm(settings))
    # An engine around a model it is handed (tests, benches) judges by the rules unless handed a judge too.
    judged = judge is not None or llm is None or settings.judge_url
    judge_factory = (lambda: judge) if judge is not None else (lambda: create_judge(settings)) if judged else None
    return AnswerEngine(
        library.retriever,
        factory,
        judge_factory=judge_factory,
        budget_tokens=settings.prompt_budget_tokens,
        max_answer_tokens=settings.max_answer_tokens,
        min_relevance=settings.min_relevance,
    )


def create_library(
    settings: Settings, *, store: Store | None = None, embedder: Embedder | None = None, writer: bool = False
) -> Library:
    """The library for these settings; tests may pass their own store or embedder.

    `writer` is for commands that change it (ingest, remove): they have an embedded library to
    themselves, and fail in one line while anything else has it open.
    """

    def open_store() -> Store:
        if store is not None:
            return store
        if settings.chroma_url:
            return ChromaStore(url=settings.chroma_url, collection=settings.collection)
        return ChromaStore(path=settings.chroma_dir, collection=settings.collection, writer=writer)

    def open_embedder() -> Embedder:
        if embedder is not None:
            return embedder
        return OnnxEmbedder.from_dir(
            settings.embedding_model_dir,
            cache_dir=settings.cache_dir if settings.quantize_embedder else None,
            query_prefix=settings.query_prefix,
            threads=max(1, settings.n_threads),
            max_length=settings.embedding_max_tokens,
        )

    return Library(settings.data_dir, open_store, open_embedder)


def create_fetcher(settings: Settings) -> Fetcher:
    """The polite client `briefing sync` reads Ofsted's site with; its page copies live in the data dir."""
    from index.sync import Fetcher, ReportFolder

    return Fetcher(
        ReportFolder(settings.data_dir).pages,
        user_agent=settings.sync_user_agent,
        interval=settings.sync_interval,
        timeout=settings.sync_timeout,
        retries=settings.sync_retries,
        hosts=settings.sync_allowed_hosts,
    )


def ingest_into(
    settings: Settings, library: Library, on_file=None, *, prune: bool = False
) -> Callable[[list[Path]], IngestSummary]:
    """Ingest files into this library with the settings' reader limits: what `ingest` and `sync` both run."""
    from index.ingest import ingest

    def run(paths: list[Path]) -> IngestSummary:
        return ingest(
            paths,
            library.store,
            library.embedder,
            max_tokens=settings.passage_tokens,
            workers=settings.ingest_workers,
            file_timeout=settings.ingest_file_timeout,
            file_memory_mb=settings.ingest_file_memory_mb,
            prune=prune,
            on_file=on_file,
        )

    return run
