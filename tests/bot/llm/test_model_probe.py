"""The model runs once in a child before it answers: repacking off by default, a native crash one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from bot.llm import probe as model_probe
from bot.llm.llama import LlamaCppLLM
from bot.llm.probe import PROBE_TOKENS, ProbeSpec, probe, run_probe
from bot.settings import Settings

#: A child that says it loaded the model, then dies of a real segmentation fault, as llama.cpp did on AMX.
CRASHING_CHILD = [
    sys.executable,
    "-c",
    "import ctypes, json\n"
    "print(json.dumps({'stage': 'started'}))\n"
    "print(json.dumps({'stage': 'loaded', 'system_info': 'CPU : AVX512 = 1 | AMX_INT8 = 1'}), flush=True)\n"
    "import sys; print('load_tensors: AMX model buffer size = 100.00 MiB', file=sys.stderr, flush=True)\n"
    "ctypes.string_at(0)\n",
]


def test_repacking_is_off_unless_the_setting_asks(monkeypatch):
    assert Settings(_env_file=None).llama_repack is False
    monkeypatch.setenv("BRIEFING_LLAMA_REPACK", "true")
    assert Settings(_env_file=None).llama_repack is True


def test_the_in_process_model_is_created_without_extra_buffers_unless_asked(small_model, tmp_path):
    from bot.app import create_llm

    llm = create_llm(Settings(model_path=small_model, n_ctx=1024, _env_file=None))
    assert llm._llama.model_params.use_extra_bufts is False
    asked = LlamaCppLLM(small_model, n_threads=2, n_ctx=512, repack=True)
    assert asked._llama.model_params.use_extra_bufts is True


def test_a_probe_runs_a_real_forward_pass_and_says_where_the_weights_went(small_model):
    result = probe(ProbeSpec(str(small_model), n_threads=2, n_ctx=1024, repack=False))
    assert result.ok, result.detail
    assert result.prompt_tokens == PROBE_TOKENS and result.prefill_tokens_per_s > 0 and result.decode_tokens_per_s > 0
    assert result.buffers and not result.repacked, result.buffers  # repacking off: plain CPU buffers only
    assert "CPU" in result.system_info and "\n" not in result.detail


@pytest.mark.skipif(
    "avx2" not in model_probe.cpu_features() or "amx" in model_probe.cpu_features(),
    reason="llama.cpp repacks these weights only with AVX2 kernels; with AMX, repacking is the crash itself",
)
def test_with_the_setting_on_the_weights_are_repacked(small_model):
    """The switch is real: the same load with repacking asked for puts weights in a repacked buffer."""
    result = probe(ProbeSpec(str(small_model), n_threads=2, n_ctx=1024, repack=True))
    assert result.ok and result.repacked, result.buffers


def test_a_crash_in_the_child_is_one_line_naming_the_signal_the_cpu_and_the_fix():
    spec = ProbeSpec("/models/qwen.gguf", n_threads=2, n_ctx=1024, repack=True)
    result = run_probe(CRASHING_CHILD, spec)
    assert not result.ok and "\n" not in result.detail
    assert "SIGSEGV" in result.detail and "first forward pass" in result.detail and "qwen.gguf" in result.detail
    assert "weights in AMX" in result.detail and "CPU " in result.detail
    assert result.fix.startswith("set BRIEFING_LLAMA_REPACK=false")
    # With repacking already off, the advice is a build for a generic CPU or a server.
    plain = run_probe(CRASHING_CHILD, replace(spec, repack=False))
    assert "GGML_NATIVE=OFF" in plain.fix and "BRIEFING_LLM_URL" in plain.fix


def test_a_child_that_hangs_is_stopped_and_said_so():
    said = json.dumps(json.dumps({"stage": "started"}))
    hang = [sys.executable, "-c", f"import threading; print({said}, flush=True); threading.Event().wait()"]
    result = run_probe(hang, ProbeSpec("m.gguf", 2, 512, False), timeout=8)
    assert not result.ok and "did not finish a forward pass within 8 s" in result.detail
    assert "while loading the model" in result.detail


def test_a_pass_is_recorded_and_trusted_only_for_the_same_conditions(small_model, tmp_path):
    record = tmp_path / "probe.json"
    spec = ProbeSpec(str(small_model), n_threads=2, n_ctx=1024, repack=False)
    assert not model_probe.passed_before(spec, record)
    model_probe.remember_pass(spec, record)
    assert model_probe.passed_before(spec, record)
    assert not model_probe.passed_before(replace(spec, repack=True), record)
    assert not model_probe.passed_before(replace(spec, n_threads=1), record)
    record.write_text("{torn")
    assert not model_probe.passed_before(spec, record)


def test_a_question_to_a_model_that_crashes_is_one_line_not_a_dead_process(small_library_dir, small_model, tmp_path):
    """The CLI's own path in its own process: the probe's child dies of a real SIGSEGV, and `ask` says so.

    Run in a subprocess (a driver that swaps in the crashing child, then calls the real `main`), so
    nothing the CLI sets up in a process outlives the test.
    """
    data = tmp_path / "data"
    shutil.copytree(small_library_dir, data)
    question = "What did Ofsted say about strategy discussions in Lancashire?"
    driver = (
        "import sys\n"
        "from bot.llm import probe as model_probe\n"
        f"crash = {CRASHING_CHILD!r}\n"
        "def crashing(spec, timeout=600):\n"
        "    sys.stderr.write('probe ran\\n')\n"
        "    return model_probe.run_probe(crash, spec)\n"
        "model_probe.probe = crashing\n"
        f"sys.argv = ['briefing', 'ask', {question!r}]\n"
        "from bot.cli import main\n"
        "main()\n"
    )
    env = {
        **os.environ,
        "BRIEFING_DATA_DIR": str(data),
        "BRIEFING_MODEL_PATH": str(small_model),
        "BRIEFING_LLAMA_REPACK": "true",
        "COLUMNS": "300",
    }
    done = subprocess.run([sys.executable, "-c", driver], env=env, capture_output=True, text=True, timeout=600)
    # The process lives: one line says why there is no model, and the evidence is quoted instead.
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "no model" in line]
    assert len(said) == 1 and "SIGSEGV" in said[0] and "BRIEFING_LLAMA_REPACK=false" in said[0], done.stderr
    assert "Traceback" not in done.stderr and "Sources" in done.stdout
    assert done.stderr.count("probe ran") == 1  # the failure is kept: a second look at the model does not probe


def test_doctor_and_model_verify_run_the_model_and_say_where_its_weights_are(small_library_dir, small_model, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_library_dir, data)
    env = {**os.environ, "BRIEFING_DATA_DIR": str(data), "BRIEFING_MODEL_PATH": str(small_model), "COLUMNS": "200"}
    doctor = subprocess.run([sys.executable, "-m", "bot.cli", "doctor"], env=env, capture_output=True, text=True)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    lines = {line.split()[1]: line for line in doctor.stdout.splitlines() if line.startswith(("ok", "FAIL"))}
    assert f"a forward pass of {PROBE_TOKENS} tokens ran" in lines["model"]
    assert "llama.cpp: CPU :" in lines["cpu"]
    assert "CPU" in lines["buffers"] and "repacking off" in lines["buffers"] and "REPACK " not in lines["buffers"]

    verify = subprocess.run(
        [sys.executable, "-m", "bot.cli", "model", "--verify"], env=env, capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stderr
    assert "forward pass: ok" in verify.stdout and small_model.name in verify.stdout
