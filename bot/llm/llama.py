"""llama.cpp in this process: the default backend, with the fixed prompt prefix's state kept between answers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.llm import Message, without_control_tokens
from bot.llm.prefix_cache import PrefixStates
from index.errors import ModelUnavailable

#: Stands in for the last message's text when finding the prompt's fixed prefix: printable, so a
#: template that trims messages keeps it, and never in real text.
_MARK = "PREFIXENDSHERE7c1e"


_DEFAULTS_LOCK = threading.Lock()


@contextmanager
def llama_model_defaults(*, repack: bool) -> Iterator[None]:
    """Models loaded inside this block repack their weights into extra buffer types only if `repack`.

    llama.cpp's default is to repack (into its AMX buffer type on CPUs with AMX tiles, where the first
    batched prefill segfaults: ggml-org/llama.cpp#20824). llama-cpp-python 0.3 exposes the switch only
    on `llama_model_params`, which `Llama.__init__` fills from `llama_model_default_params()` with no
    argument for it; the defaults are wrapped for the length of the block. A later release that takes
    `use_extra_bufts` itself is passed it directly (see `_llama_kwargs`).
    """
    import llama_cpp.llama as llama_module

    bindings = llama_module.llama_cpp
    if "use_extra_bufts" not in dict(bindings.llama_model_params._fields_):
        if repack:
            yield  # llama.cpp repacks by default: nothing to turn on
            return
        # A ctypes struct takes any attribute silently: without the field, repacking would stay on.
        raise ModelUnavailable(
            f"llama-cpp-python {getattr(llama_module.llama_cpp, '__version__', '')} cannot turn weight repacking off; "
            "pip install -U llama-cpp-python (or set BRIEFING_LLAMA_REPACK=true on a CPU without AMX)"
        )
    with _DEFAULTS_LOCK:
        original = bindings.llama_model_default_params

        def defaults():  # noqa: ANN202 - returns llama.cpp's ctypes struct
            params = original()
            params.use_extra_bufts = repack
            return params

        bindings.llama_model_default_params = defaults
        try:
            yield
        finally:
            bindings.llama_model_default_params = original


def _llama_kwargs(repack: bool) -> dict[str, bool]:
    from inspect import signature

    from llama_cpp import Llama

    return {"use_extra_bufts": repack} if "use_extra_bufts" in signature(Llama.__init__).parameters else {}


class LlamaCppLLM:
    """llama-cpp-python in this process; the chat template comes from the GGUF itself.

    The prompt's fixed prefix (system message and the start of the question's turn) is the same for
    every question, so its KV state is computed once and restored for each answer: in memory for a
    long-lived process, and from `cache_dir` for a fresh CLI run (keyed on the model file and the
    prefix's tokens, so a new model or prompt file is never served stale state). `draft_tokens` > 0
    turns on prompt-lookup decoding: answers copy report wording, so the extracts predict the next tokens.
    `repack` lets llama.cpp move the weights into its extra buffer types (see `bot.llm.probe`).
    """

    def __init__(
        self,
        model_path: Path,
        *,
        n_threads: int = 2,
        n_ctx: int = 4096,
        cache_dir: Path | None = None,
        draft_tokens: int = 0,
        n_gpu_layers: int = 0,
        repack: bool = False,
    ) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as err:
            raise ModelUnavailable("llama-cpp-python is not installed: pip install llama-cpp-python") from err
        if not model_path.exists():
            raise ModelUnavailable(f"{model_path}: model file not found; run `briefing model` to set one up")
        draft = None
        if draft_tokens > 0:
            from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

            draft = LlamaPromptLookupDecoding(num_pred_tokens=draft_tokens)
        try:
            with llama_model_defaults(repack=repack):
                self._llama = Llama(
                    model_path=str(model_path),
                    n_threads=n_threads,
                    n_ctx=n_ctx,
                    n_gpu_layers=n_gpu_layers,
                    verbose=False,
                    n_batch=512,
                    draft_model=draft,
                    # Drafts are checked against every position's logits; llama-cpp-python sizes its logits
                    # table from this flag, not from the draft model, so it must be said (else: a crash past
                    # n_batch).
                    logits_all=draft is not None,
                    **_llama_kwargs(repack),
                )
        except Exception as err:  # llama.cpp reports a bad file as ValueError or RuntimeError
            raise ModelUnavailable(f"{model_path}: not a usable GGUF model ({err})") from err
        template = self._llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelUnavailable(f"{model_path}: the GGUF carries no chat template")
        model = self._llama._model  # noqa: SLF001 - token texts for the template, as llama-cpp-python does
        eos, bos = self._llama.token_eos(), self._llama.token_bos()
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=model.token_get_text(eos) if eos != -1 else "",
            bos_token=model.token_get_text(bos) if bos != -1 else "",
        )
        self._stop = [model.token_get_text(eos)] if eos != -1 else []
        self._lock = threading.Lock()  # one generation at a time on one context
        stat = model_path.stat()
        key = f"{model_path.name}:{stat.st_size}:{stat.st_mtime_ns}:{n_ctx}"
        self._states = PrefixStates(self._llama, name=model_path.name, model_key=key, cache_dir=cache_dir)
        self.last_prefix = "none"  # how the last answer's prefix was had (tests and benches read it)
        self.name = model_path.name

    # --- tokens ---

    def _format(self, messages: list[Message]) -> str:
        return self._formatter(messages=without_control_tokens(messages)).prompt

    def _tokens(self, text: str) -> list[int]:
        return self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def count_tokens(self, messages: list[Message]) -> int:
        """Exactly what `stream` will feed the model."""
        return len(self._tokens(self._format(messages)))

    # --- the fixed prefix ---

    def _prefix_of(self, messages: list[Message], tokens: list[int]) -> list[int]:
        """The prompt up to where the last message's text begins: the same for every question."""
        probe = self._format([*messages[:-1], {**messages[-1], "content": _MARK}])
        if _MARK not in probe:
            return []  # a template that rewrites messages: no prefix is reused, nothing breaks
        head = self._tokens(probe[: probe.index(_MARK)])
        same = 0
        for a, b in zip(head, tokens, strict=False):
            if a != b:
                break
            same += 1
        return tokens[:same]

    # --- writing ---

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """Greedy decoding: answers should be the same every time for the same evidence."""
        with self._lock:
            tokens = self._tokens(self._format(messages))
            self.last_prefix = self._states.restore(self._prefix_of(messages, tokens))
            chunks = self._llama.create_completion(
                prompt=tokens,
                max_tokens=max_tokens,
                temperature=0.0,
                repeat_penalty=1.0,  # as create_chat_completion: answers are meant to repeat the reports' words
                stop=self._stop,
                stream=True,
            )
            for chunk in chunks:
                text = chunk["choices"][0]["text"]
                if text:
                    yield text

    def weigh(self, messages: list[Message], choices: list[str]) -> dict[str, float]:
        """Each choice's first token's probability as the next token, read off the logits (no sampling)."""
        import numpy as np

        firsts = {c: self._tokens(c)[0] for c in choices}
        with self._lock:
            tokens = self._tokens(self._format(messages))
            if len(tokens) >= self._llama.n_ctx():
                raise ValueError(
                    f"the prompt ({len(tokens)} tokens) is longer than the context ({self._llama.n_ctx()})"
                )
            self.last_prefix = self._states.restore(self._prefix_of(messages, tokens))
            self._llama.eval(tokens[self._llama.n_tokens :])
            logits = np.ctypeslib.as_array(self._llama._ctx.get_logits(), shape=(self._llama.n_vocab(),))  # noqa: SLF001
            logits = logits.astype(np.float64)
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        return {c: float(probabilities[t]) for c, t in firsts.items()}
