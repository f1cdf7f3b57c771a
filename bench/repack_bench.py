"""Prefill and decode speed with llama.cpp's weight repacking off (the default) and on.

`python bench/repack_bench.py [--model default|small] [--runs 3]`. Each run loads the model in a
fresh child process (`bot.llm.probe`) with an ~880-token prompt, as an answer's prefill, then
decodes 64 tokens one at a time. Prints the CPU's flags and the buffer types the weights went to.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bot.llm.bundle import BUNDLES, assemble
from bot.llm.probe import ProbeSpec, cpu_features, probe


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="default", choices=sorted(BUNDLES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    model = assemble(BUNDLES[args.model], Path(tempfile.gettempdir()) / "briefing-bench-models")
    print(f"CPU: {cpu_features()}")
    for repack in (False, True):
        prefill, decode, buffers = [], [], set()
        for _ in range(args.runs):
            spec = ProbeSpec(str(model), args.threads, 2048, repack, prompt_tokens=880, decode_tokens=64)
            result = probe(spec)
            if not result.ok:
                print(f"repack={repack}: {result.detail}")
                break
            prefill.append(result.prefill_tokens_per_s)
            decode.append(result.decode_tokens_per_s)
            buffers.update(result.buffers)
        if prefill:
            print(
                f"repack {'on ' if repack else 'off'}: prefill {statistics.median(prefill):6.1f} tok/s "
                f"(runs {', '.join(f'{v:.1f}' for v in prefill)}), decode {statistics.median(decode):5.1f} tok/s "
                f"(runs {', '.join(f'{v:.1f}' for v in decode)}); weights in {', '.join(sorted(buffers))}"
            )
    print(f"llama.cpp: {result.system_info}")


if __name__ == "__main__":
    main()
