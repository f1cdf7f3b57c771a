"""Time from launching `briefing repl` to its prompt in a pseudo-terminal: `python bench/startup_bench.py [DIR]`."""

from __future__ import annotations

import os
import statistics
import sys
import time

import pexpect


def main() -> None:
    data_dir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/briefing-bench"
    env = {**os.environ, "BRIEFING_DATA_DIR": data_dir, "TERM": "xterm"}
    times = []
    for _ in range(5):
        started = time.perf_counter()
        child = pexpect.spawn(
            os.path.join(os.path.dirname(sys.executable), "briefing"),
            ["repl"],
            env=env,
            encoding="utf-8",
            timeout=30,
            dimensions=(40, 120),
        )
        child.expect("›")
        times.append(time.perf_counter() - started)
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    print(f"launch to prompt: median {statistics.median(times):.2f}s, max {max(times):.2f}s over {len(times)} launches")


if __name__ == "__main__":
    main()
