"""A real forward pass of the in-process model in a child process: a native crash becomes one line.

llama.cpp is compiled for the CPU it is installed on and picks its kernels when a model loads. On
some CPUs that path crashes the process (weights repacked into the AMX buffer type segfault at the
first batched prefill on Sapphire Rapids Xeons, ggml-org/llama.cpp#20824). A crash in the CLI, the
REPL or the bot kills it without a word; in a child it is a message naming the signal, the CPU and
the setting that avoids it. Run as `python -m bot.llm.probe SPEC`, the child prints one JSON line
per stage and llama.cpp's own log on stderr, which says where the weights went.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

#: Prompt tokens of the probe's forward pass: about what one answer's prefill reads.
PROBE_TOKENS = 256
#: Tokens decoded after it, one at a time, as an answer is written.
PROBE_DECODE = 8

_BUFFER_LINE = re.compile(r"\b([A-Za-z][\w-]*) model buffer size\b")
_REPACKED = ("REPACK", "AMX", "AARCH64", "KLEIDI")  # llama.cpp's extra (repacked) buffer types

# The child uses the same load options as LlamaCppLLM, so the probe exercises the kernels answers use.
_BATCH = 512


@dataclass(frozen=True)
class ProbeSpec:
    """What to load and how: the settings that decide which kernels run."""

    model_path: str
    n_threads: int
    n_ctx: int
    repack: bool
    n_gpu_layers: int = 0
    prompt_tokens: int = PROBE_TOKENS
    decode_tokens: int = PROBE_DECODE


@dataclass(frozen=True)
class ProbeResult:
    """How a forward pass went: `detail` (and `fix` when it failed) is what an operator reads."""

    ok: bool
    detail: str
    fix: str = ""
    system_info: str = ""
    buffers: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    prefill_tokens_per_s: float = 0.0
    decode_tokens_per_s: float = 0.0

    @property
    def repacked(self) -> bool:
        """Whether any weights went into an extra (repacked) buffer type."""
        return any(tag in name.upper() for name in self.buffers for tag in _REPACKED)


def cpu_features() -> str:
    """The CPU's vector and matrix features as the kernel lists them (x86 and arm64), for the message."""
    try:
        flags = next(
            line.split(":", 1)[1].split()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith(("flags", "Features"))
        )
    except (OSError, StopIteration):
        return platform.machine() or "unknown CPU"
    wanted = [f for f in flags if f.startswith(("avx", "amx", "sve", "asimd")) or f in ("sme", "i8mm", "fma", "f16c")]
    return f"{platform.machine()} " + (" ".join(sorted(set(wanted))) or "no vector extensions listed")


def probe(spec: ProbeSpec, *, timeout: float = 600) -> ProbeResult:
    """Load the model and run one forward pass in a child; never raises for what the child does."""
    spec = replace(spec, model_path=str(Path(spec.model_path).resolve()))
    argv = [sys.executable, "-m", "bot.llm.probe", json.dumps(asdict(spec))]
    # From the folder this package was imported from: the child runs this same `bot`, whatever the cwd holds.
    return run_probe(argv, spec, timeout=timeout, cwd=Path(__file__).resolve().parents[1])


def run_probe(argv: list[str], spec: ProbeSpec, *, timeout: float = 600, cwd: Path | None = None) -> ProbeResult:
    """Run a probe child and read what it said before it finished, failed or died."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=cwd)
        stdout, stderr, code = done.stdout, done.stderr, done.returncode
    except subprocess.TimeoutExpired as err:
        stdout = _text(err.stdout)
        stderr = _text(err.stderr)
        code = None
    stages = _stages(stdout)
    last = stages[-1] if stages else {}
    info = next((s["system_info"] for s in stages if "system_info" in s), "")
    buffers = sorted(set(_BUFFER_LINE.findall(stderr)))
    common = {"system_info": info, "buffers": buffers}
    name = Path(spec.model_path).name
    if code == 0 and last.get("stage") == "done":
        return ProbeResult(
            True,
            f"{name}: a forward pass of {last['prompt_tokens']} tokens ran "
            f"({last['prefill_tokens_per_s']:.0f} tokens/s prefill, {last['decode_tokens_per_s']:.1f} tokens/s decode)",
            prompt_tokens=last["prompt_tokens"],
            prefill_tokens_per_s=last["prefill_tokens_per_s"],
            decode_tokens_per_s=last["decode_tokens_per_s"],
            **common,
        )
    where = {
        "": "while starting",
        "started": "while loading the model",
        "loaded": "during its first forward pass",
        "evaluated": "while decoding",
    }.get(str(last.get("stage", "")), "while finishing")
    if code is None:
        what = f"did not finish a forward pass within {timeout:.0f} s ({where})"
    elif code < 0:
        what = f"crashed with {_signal_name(-code)} {where}"
    elif last.get("stage") == "error":
        what = f"could not run ({last.get('error', 'unknown error')})"
    else:
        tail = stderr.strip().splitlines()[-1:] or ["no message"]
        what = f"exited with status {code} {where} ({tail[0][:200]})"
    backend = "llama.cpp in-process" + (f", {spec.n_gpu_layers} GPU layers" if spec.n_gpu_layers else ", CPU")
    weights = ", weights in " + "/".join(buffers) if buffers else ""
    detail = f"{name} {what} [{backend}; CPU {cpu_features()}{weights}]"
    return ProbeResult(False, detail, _fix(spec, code), **common)


def _fix(spec: ProbeSpec, code: int | None) -> str:
    if code is not None and code < 0 and spec.repack:
        return "set BRIEFING_LLAMA_REPACK=false (repacked weights crash llama.cpp on some CPUs)"
    if code is not None and code < 0:
        return (
            "rebuild llama.cpp for a generic CPU: CMAKE_ARGS='-DGGML_NATIVE=OFF' pip install --force-reinstall "
            "--no-cache-dir llama-cpp-python; or answer through a server (BRIEFING_LLM_URL)"
        )
    if code is None:
        return "lower BRIEFING_N_CTX or use the small model (BRIEFING_MODEL=small); or a server (BRIEFING_LLM_URL)"
    return "run `briefing model --verify`; reinstall llama-cpp-python or the model if it persists"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _stages(stdout: str) -> list[dict]:
    stages = []
    for line in stdout.splitlines():
        try:
            stage = json.loads(line)
        except ValueError:
            continue  # llama.cpp or a library printed to stdout: not ours
        if isinstance(stage, dict) and "stage" in stage:
            stages.append(stage)
    return stages


# --- a record of passes, so a CLI question does not pay for a probe every time ---


def probe_key(spec: ProbeSpec) -> str:
    """What decides whether a pass still holds: the model file, llama.cpp's build, the CPU, the settings."""
    try:
        import llama_cpp

        version = getattr(llama_cpp, "__version__", "?")
        library = Path(llama_cpp.__file__).parent
        built = max(
            (p.stat().st_mtime_ns for suffix in ("*.so*", "*.dylib", "*.dll") for p in library.rglob(suffix)),
            default=0,
        )
    except ImportError:
        version, built = "missing", 0
    path = Path(spec.model_path)
    stat = path.stat() if path.exists() else None
    parts = [
        path.name,
        stat.st_size if stat else 0,
        stat.st_mtime_ns if stat else 0,
        version,
        built,
        cpu_features(),
        asdict(replace(spec, model_path=path.name)),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:24]


def passed_before(spec: ProbeSpec, record: Path) -> bool:
    """Whether a probe with these exact conditions has passed on this machine."""
    try:
        return probe_key(spec) in json.loads(record.read_text()).get("passed", [])
    except (OSError, ValueError, AttributeError):
        return False


def remember_pass(spec: ProbeSpec, record: Path) -> None:
    """Note a pass; a read-only data dir only costs the next process another probe."""
    try:
        known = json.loads(record.read_text()).get("passed", []) if record.exists() else []
    except (OSError, ValueError, AttributeError):
        known = []
    keys = [k for k in known if isinstance(k, str)][-7:] + [probe_key(spec)]
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        partial = record.with_suffix(f".{os.getpid()}.partial")  # replicas sharing a cache dir each write their own
        partial.write_text(json.dumps({"passed": keys}))
        partial.replace(record)
    except OSError:
        pass


# --- the child ---


def _say(**stage: object) -> None:
    sys.stdout.write(json.dumps(stage) + "\n")
    sys.stdout.flush()  # the parent reads what was said before any crash


def _child(spec: ProbeSpec) -> int:
    _say(stage="started")
    try:
        import llama_cpp
        from llama_cpp import Llama

        from bot.llm.llama import _llama_kwargs, llama_model_defaults

        with llama_model_defaults(repack=spec.repack):
            llama = Llama(
                model_path=spec.model_path,
                n_threads=spec.n_threads,
                n_ctx=spec.n_ctx,
                n_batch=_BATCH,
                n_gpu_layers=spec.n_gpu_layers,
                verbose=True,  # llama.cpp's log (on stderr) names the buffer types the weights went to
                **_llama_kwargs(spec.repack),
            )
    except Exception as err:  # noqa: BLE001 - any failure is reported to the parent, not raised
        _say(stage="error", error=f"{type(err).__name__}: {err}"[:300])
        return 1
    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
    _say(stage="loaded", system_info=info)
    text = "Inspectors found that children are seen and helped by social workers who know them well. "
    tokens = llama.tokenize(text.encode() * 64, add_bos=False)
    tokens = tokens[: min(spec.prompt_tokens, spec.n_ctx - spec.decode_tokens - 8)]
    started = time.perf_counter()
    llama.eval(tokens)  # one batch of a few hundred tokens: the step that crashed on AMX
    prefill = time.perf_counter() - started
    _say(stage="evaluated")
    started = time.perf_counter()
    for _ in range(spec.decode_tokens):
        llama.eval([llama.sample(temp=0.0)])
    decode = time.perf_counter() - started
    _say(
        stage="done",
        prompt_tokens=len(tokens),
        prefill_tokens_per_s=len(tokens) / max(prefill, 1e-9),
        decode_tokens_per_s=spec.decode_tokens / max(decode, 1e-9),
    )
    return 0


if __name__ == "__main__":
    code = _child(ProbeSpec(**json.loads(sys.argv[1])))
    sys.stdout.flush()
    os._exit(code)  # no teardown of the model: what is measured is loading and running it
