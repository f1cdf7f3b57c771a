"""Soak: many mentions from many users, through the HTTP front, to two bot replicas, with faults.

`python bench/slack_soak.py DATA_DIR [--mentions 200] [--users 20] [--llama-server small]`. Run by
hand; prints figures.

Two replicas, each `briefing slack --http` in its own process as a deployment runs them, share one
library (read-only) and one local stand-in of Slack. Mentions are signed and posted to the replicas in
turn, in waves of ten from ten users; a wave is done when both replicas' /healthz say idle with nothing
queued and every mention has its final reply. Faults, injected while it runs:
- the audit log cannot be written for the first third of the waves (its path is a directory). The
  replicas' data dir is a scratch folder that links to the library's contents, so their audit log
  is the soak's own and nothing of DATA_DIR's is moved or written;
- the model server dies for the middle third: by default a local OpenAI-compatible stand-in that
  streams one sentence, shut down and started again on its port; with `--llama-server small` (or
  `default`, or a GGUF path) llama.cpp's own server with that model, killed with SIGKILL and started
  again on its port, so the answers are the model's own;
- every third draft `chat.update` is answered 429.
At the end every question must have exactly one final reply (an answer, an apology, or a "you already
have questions waiting"), none left at "Searching…", each replica's memory (its process's RSS) must
stay within 32 MB of what it was after the first wave (which loads the embedder and the lexical
index), and SIGTERM must stop both cleanly with nothing unanswered.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.model_standin import ModelStandIn, sse  # noqa: E402
from tests.fixtures.slack_standin import SlackStandIn  # noqa: E402

SECRET = "soak-secret"
REPO = Path(__file__).resolve().parents[1]
FLAT_MB = 32  # a replica's RSS may move this much between the first wave and any later one
QUESTIONS = [
    "strategy discussions in {place}",
    "how well are care leavers supported in {place}?",
    "what does Ofsted want {place} to improve?",
    "children missing from home in {place}",
]
PLACES = ["Lancashire", "St Helens", "Halton", "Tameside", "Birmingham", "Leeds", "Kent", "Bristol"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Replica:
    """`briefing slack --http` in its own process, watched through its own /healthz and /metrics."""

    def __init__(self, data_dir: Path, slack_url: str, llm_url: str, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/slack/events"
        self.log = log
        # Only what the soak says: no BRIEFING_* of the caller's, and no .env (it runs in the log folder).
        env = {name: value for name, value in os.environ.items() if not name.startswith(("BRIEFING_", "SLACK_"))}
        env |= {
            "PYTHONPATH": str(REPO),
            "BRIEFING_DATA_DIR": str(data_dir),
            "BRIEFING_LLM_URL": llm_url,
            "BRIEFING_SLACK_API_URL": slack_url,
            "SLACK_BOT_TOKEN": "xoxb-soak",
            "SLACK_SIGNING_SECRET": SECRET,
        }
        command = [sys.executable, "-m", "bot.cli", "slack", "--http", "--port", str(self.port)]
        with log.open("w") as out:
            self.process = subprocess.Popen(command, env=env, cwd=log.parent, stdout=out, stderr=subprocess.STDOUT)

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise SystemExit(f"replica on port {self.port} exited ({self.process.returncode}); see {self.log}")

    def health(self) -> dict:
        try:
            return httpx.get(f"{self.base}/healthz", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            return {}

    def wait_healthy(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not self.health().get("ok"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"replica on port {self.port} did not start; see {self.log}")
            time.sleep(0.5)

    def metrics(self) -> dict[str, float]:
        response = httpx.get(f"{self.base}/metrics", timeout=5)
        response.raise_for_status()
        lines = [line.split() for line in response.text.splitlines() if line.strip() and not line.startswith("#")]
        return {name: float(value) for name, value in lines}

    def rss_mb(self) -> float:
        self.alive()
        with open(f"/proc/{self.process.pid}/status") as status:
            return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))

    def stopped(self) -> tuple[int, int | None]:
        """After SIGTERM: the return code, and how many questions it said were left unanswered."""
        try:
            code = self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        said = re.findall(r"stopped; (\d+) unanswered", self.log.read_text(errors="replace"))
        return code, int(said[-1]) if said else None


def _post(url: str, payload: dict) -> int:
    body = json.dumps(payload)
    stamp = str(int(time.time()))
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body),
        "Content-Type": "application/json",
    }
    return httpx.post(url, content=body, headers=headers, timeout=30).status_code


class LlamaServer:
    """llama.cpp's OpenAI-compatible server in its own process: killed and restarted like a real one."""

    def __init__(self, model: Path, port: int = 0) -> None:
        port = port or _free_port()
        self.model, self.port = model, port
        self.url = f"http://127.0.0.1:{port}/v1"
        command = [sys.executable, "-m", "bot.cli", "model-server", "--model", str(model), "--host", "127.0.0.1"]
        command += ["--port", str(port), "--n_ctx", "2048", "--n_threads", str(os.cpu_count() or 2)]
        # llama-cpp-python's server otherwise ends the stream in flight when another request comes:
        # with two replicas, answers would be cut short (and fall back to quotes), not queued.
        command += ["--interrupt_requests", "False"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/models", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        self.kill()
        raise SystemExit(f"llama.cpp's server did not start on port {port}")

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no goodbye to the streams in flight
        self.process.wait()

    def restarted(self) -> LlamaServer:
        return LlamaServer(self.model, self.port)


def _gguf(name: str) -> Path:
    if name not in ("small", "default"):
        return Path(name)
    from bot.llm.bundle import BUNDLES, assemble

    folder = Path(os.environ.get("TMPDIR", "/tmp")) / "briefing-soak-models"
    folder.mkdir(exist_ok=True)
    return assemble(BUNDLES[name], folder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--mentions", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--llama-server", help="small, default or a GGUF: answer with llama.cpp's real server")
    args = parser.parse_args()

    if args.llama_server:
        model = LlamaServer(_gguf(args.llama_server))
    else:
        model = ModelStandIn(sse("Inspectors found that strategy discussions were timely [1]."))
    standin = SlackStandIn()
    drafts = {"n": 0}

    def every_third_draft(method: str, body: dict) -> bool:
        if method != "chat.update" or not str(body.get("text", "")).endswith("…"):
            return False
        drafts["n"] += 1
        return drafts["n"] % 3 == 0

    standin.rate_limit_when = every_third_draft
    scratch = Path(tempfile.mkdtemp(prefix="briefing-soak-"))
    data = scratch / "data"
    data.mkdir()
    for entry in args.data_dir.iterdir():  # the library itself, shared read-only as replicas share it
        if not entry.name.startswith("audit.jsonl"):
            (data / entry.name).symlink_to(entry.resolve())
    audit = data / "audit.jsonl"
    audit.mkdir()  # the first third: every audit write fails
    models = [model]  # the model server, then the one started again in its place
    replicas: list[Replica] = []
    try:
        for n in range(2):
            replicas.append(Replica(data, standin.url, model.url, scratch / f"replica{n}.log"))
        for replica in replicas:
            replica.wait_healthy()
        ok = run(args, replicas, standin, models, audit)
    finally:
        for replica in replicas:
            if replica.process.poll() is None:
                replica.process.kill()
                replica.process.wait()
        standin.close()
        for server in models:
            server.kill()
    print(f"replica logs and audit: {scratch}")
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


def run(
    args: argparse.Namespace, replicas: list[Replica], standin: SlackStandIn, models: list[Any], audit: Path
) -> bool:
    """The waves, with their faults, then the figures; whether every promise held."""

    def replied(channel: str) -> int:
        """Placeholders in `channel` whose last update is a final reply (not a draft, not a queue place)."""
        ours = {ts for (where, ts) in list(standin.messages) if where == channel}
        last: dict[str, str] = {}
        for name, body in list(standin.calls):
            if name == "chat.update" and body["ts"] in ours:
                last[body["ts"]] = str(body.get("text", ""))
        return sum(1 for text in last.values() if not text.endswith("…") and not text.startswith("You're number"))

    rss_healthy = [r.rss_mb() for r in replicas]
    started = time.perf_counter()

    def settled(posted: int) -> bool:
        # Bolt acks before its listener queues the job: idle workers alone do not mean a wave is done.
        for replica in replicas:
            replica.alive()
        idle = all(h.get("queue") == 0 and h.get("worker") == "idle" for h in (r.health() for r in replicas))
        return idle and replied("CSOAK") >= posted

    def mention(i: int) -> int:
        user = f"U{i % args.users:03d}"
        place = PLACES[i % len(PLACES)]
        text = f"<@UBOT> {QUESTIONS[i % len(QUESTIONS)].format(place=place)}"
        event = {"type": "app_mention", "user": user, "channel": "CSOAK", "ts": f"{1000 + i}.1", "text": text}
        payload = {"type": "event_callback", "team_id": "T1", "event_id": f"EvSoak{i}", "event": event}
        return _post(replicas[i % 2].url, payload)

    # Waves of ten mentions from ten users, each wave answered before the next: a busy morning, not
    # one user's paste-storm (the per-user cap has its own test). Faults are keyed to the waves.
    statuses: list[int] = []
    rss: list[list[float]] = []
    waves = [range(start, min(start + 10, args.mentions)) for start in range(0, args.mentions, 10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        for n, wave in enumerate(waves):
            if n == len(waves) // 3:
                audit.rmdir()  # the audit volume comes back ...
                models[-1].kill()  # ... and the model server dies
            if n == 2 * len(waves) // 3:
                # It is started again on its port.
                dead = models[-1]
                models.append(dead.restarted() if args.llama_server else ModelStandIn(dead.chunks, dead.port))
            statuses += pool.map(mention, wave)
            deadline = time.monotonic() + 600
            while not settled(len(statuses)) and time.monotonic() < deadline:
                time.sleep(0.2)
            rss.append([r.rss_mb() for r in replicas])
    elapsed = time.perf_counter() - started

    placeholders = [b for name, b in standin.calls if name == "chat.postMessage" and b.get("channel") == "CSOAK"]
    last: dict[str, str] = {}
    finals: dict[str, int] = {}
    for name, body in standin.calls:
        if name == "chat.update" and not str(body.get("text", "")).endswith("…"):
            last[body["ts"]] = str(body.get("text", ""))
            if body.get("blocks") not in (None, "", "[]", []) or "error id" in str(body.get("text", "")):
                finals[body["ts"]] = finals.get(body["ts"], 0) + 1
    placeholder_ts = [ts for channel, ts in standin.messages if channel == "CSOAK"]
    waiting = [ts for ts in placeholder_ts if last.get(ts, "Searching").startswith(("Searching", "You're number"))]
    too_many = [ts for ts in placeholder_ts if "already have" in last.get(ts, "")]
    answered = [ts for ts in placeholder_ts if finals.get(ts)]
    apologies = [ts for ts in placeholder_ts if "error id" in last.get(ts, "")]
    twice = [ts for ts, n in finals.items() if n > 1]
    counts: dict[str, float] = {}
    for replica in replicas:
        for name, value in replica.metrics().items():
            if not name.endswith("_sum"):
                counts[name] = counts.get(name, 0) + int(value)
    for replica in replicas:
        replica.process.send_signal(signal.SIGTERM)  # as docker stop and systemd send, to both at once
    stopped = [replica.stopped() for replica in replicas]
    print(f"machine: {os.cpu_count()} cores; {args.mentions} mentions from {args.users} users to 2 replicas")
    print(f"model server: {'llama.cpp server, ' + models[-1].model.name if args.llama_server else 'stand-in'}")
    print(f"HTTP statuses: { {s: statuses.count(s) for s in set(statuses)} }; all answered in {elapsed:.1f} s")
    print(f"placeholders {len(placeholders)} (one per mention: {len(placeholder_ts)})")
    print(f"final replies: answered {len(answered)} (apologies among them {len(apologies)}), ")
    print(f"  'you already have questions waiting' {len(too_many)}, left waiting {len(waiting)}, twice {len(twice)}")
    for n, healthy in enumerate(rss_healthy):
        waves_mb = " ".join(f"{r[n]:.0f}" for r in rss)
        print(f"replica {n} RSS: {healthy:.0f} MB when healthy; after each wave: {waves_mb} MB")
    print(f"metrics (both replicas): {json.dumps(counts, sort_keys=True)}")
    for n, (code, unanswered) in enumerate(stopped):
        print(f"replica {n} after SIGTERM: exit {code}, {unanswered} unanswered")
    clean = all(code == 0 and unanswered == 0 for code, unanswered in stopped)
    # The first wave loads the embedder, the lexical index and the answer paths: flat is from there on.
    flat = all(later[n] - rss[0][n] <= FLAT_MB for later in rss for n in range(len(replicas)))
    return not waiting and not twice and len(placeholder_ts) == args.mentions and clean and flat


if __name__ == "__main__":
    main()
