"""Counts and latencies, exposed to Prometheus: what every surface records about its answers."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Metrics:
    """Counters and latency sums, exposed in Prometheus' text format."""

    counts: dict[str, int] = field(default_factory=dict)
    sums_ms: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name: str, n: int = 1) -> None:
        """Add to a counter."""
        with self._lock:
            self.counts[name] = self.counts.get(name, 0) + n

    def observe(self, name: str, ms: float) -> None:
        """Record one latency."""
        with self._lock:
            self.counts[f"{name}_count"] = self.counts.get(f"{name}_count", 0) + 1
            self.sums_ms[name] = self.sums_ms.get(name, 0.0) + ms

    def record_answer(self, status: str, timings: dict[str, float]) -> None:
        """What one answer cost."""
        self.count("briefing_questions_total")
        self.count(f"briefing_answers_{status}_total")
        for key in ("retrieve_ms", "first_token_ms", "total_ms"):
            if key in timings:
                self.observe(f"briefing_{key.removesuffix('_ms')}_milliseconds", timings[key])

    def prometheus(self) -> str:
        """The text exposition format."""
        with self._lock:
            lines = [f"{name} {value}" for name, value in sorted(self.counts.items())]
            lines += [f"{name}_sum {value:.1f}" for name, value in sorted(self.sums_ms.items())]
        return "\n".join(lines) + "\n"
