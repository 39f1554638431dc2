"""The server side of `make loadtest`: a private copy of corpus/ indexed and served on a free
loopback port, and its resident memory sampled while it runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
# Settings passed through to the server; everything else POLICY_QA_* is dropped so that the test
# stays on loopback (no LLM endpoint, no Chroma server) and never touches the user's data/.
KEPT_SETTINGS = ("POLICY_QA_EMBEDDER", "POLICY_QA_EMBED_BATCH", "POLICY_QA_TOP_K")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        children.setdefault(ppid, []).append(int(stat.parent.name))
    total_kb, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        total_kb += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return round(total_kb / 1024, 1)


class RssSampler:
    """Samples the server's RSS every second in a thread; `label` tags the samples with the phase."""

    def __init__(self, pid: int, t0: float) -> None:
        self.pid, self.t0, self.label = pid, t0, "idle"
        self.samples: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> float:
        mb = rss_mb(self.pid)
        self.samples.append({"t": round(time.monotonic() - self.t0, 1), "phase": self.label, "rss_mb": mb})
        return mb

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.sample()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def stats(self, *labels: str) -> dict[str, float]:
        mbs = [s["rss_mb"] for s in self.samples if s["phase"] in labels]
        return {"start": mbs[0], "max": max(mbs), "end": mbs[-1]} if mbs else {}


def server_env(work: Path, password: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_QA_") or k in KEPT_SETTINGS}
    env.update({
        "POLICY_QA_CORPUS": str(work / "corpus"), "POLICY_QA_DATA_DIR": str(work / "data"),
        "POLICY_QA_INDEX_DIR": str(work / "data" / "index"), "POLICY_QA_ADMIN_PASSWORD": password,
        # 20 simulated users share one loopback address: the per-client question limit is off
        "POLICY_QA_QUESTIONS_PER_MINUTE": "0",
        "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1",
    })
    return env


def ingest(env: dict[str, str], log: Path) -> None:
    """Build the temporary index with `policy-qa ingest`; raises with the log's tail on failure."""
    with log.open("w") as out:
        code = subprocess.call([sys.executable, "-m", "rag.app.cli", "ingest"], env=env, cwd=ROOT,
                               stdout=out, stderr=subprocess.STDOUT)
    lines = log.read_text(errors="replace").splitlines()
    if code != 0:
        raise RuntimeError("ingest failed:\n" + "\n".join(lines[-20:]))
    print("loadtest: " + next((line for line in reversed(lines) if line.startswith("indexed ")), "indexed"),
          flush=True)


def start_server(env: dict[str, str], port: int, log: Path, wait_s: float = 180) -> subprocess.Popen[bytes]:
    """`policy-qa serve` on 127.0.0.1:port, returned once it answers /api/docs."""
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "rag.app.cli", "serve", "--host", "127.0.0.1", "--port",
                                 str(port)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/docs", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"the server did not start on port {port}:\n{tail}")
        time.sleep(0.5)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
