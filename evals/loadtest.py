"""`make loadtest`: concurrent users asking over HTTP, then the same while a re-index runs.

Copies corpus/ into a temporary folder, indexes it there, starts `policy-qa serve` on a free loopback
port and runs two phases of N users (default 20) asking questions round robin through `POST /api/ask`:

1. steady: `--duration` seconds (default 60);
2. re-index: the same load; after 2 s `POST /api/admin/reindex {"rebuild": true}` starts embedding
   every document again, its status is polled every 2 s, and the phase lasts at least until the
   re-index has finished (at most `--reindex-max` seconds, default 180).

A request is an error when it is not answered with HTTP 200 within `--timeout` seconds and a JSON
object with an "answer". The server's resident memory (with any child processes) is sampled every
second. Prints one line per phase, then the report path, and last the combined line
`loadtest: requests=… errors=… p50=…ms p95=…ms rss_start=…MB rss_max=…MB rss_end=…MB`.
Writes evals/results/loadtest-<date>.json. Exit status 1 when any request failed or the re-index did
not finish cleanly, 2 when the index or the server could not be set up.

    python -m evals.loadtest [--questions FILE] [--shared ../shared] [--users 20] [--duration 60]
                             [--max-requests 20000] [--timeout 30] [--reindex-max 180]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from evals.loadserver import ROOT, RssSampler, free_port, ingest, server_env, start_server, stop_server
from evals.loadstats import Result, load_questions, phase_line, refused_ids, summarize


@dataclass
class Reindex:
    """What the load test saw of one re-index run."""

    triggered_s: float | None = None
    post_status: int | None = None
    finished_s: float | None = None
    error: str | None = None
    report: Any = None
    progress: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.finished_s is not None and self.error is None


# ---------------------------------------------------------------------------- load


def ask_once(client: httpx.Client, url: str, q: dict[str, Any], timeout: float) -> tuple[float, str, bool]:
    """One question: (milliseconds, error or "", refused)."""
    body: dict[str, Any] = {"question": q["question"]}
    if q.get("history"):
        body["history"] = q["history"]
    t0 = time.perf_counter()
    try:
        resp = client.post(url, json=body)
    except httpx.TimeoutException:
        return (time.perf_counter() - t0) * 1000, f"timeout: no answer within {timeout:g}s", False
    except httpx.HTTPError as exc:
        return (time.perf_counter() - t0) * 1000, f"connection: {type(exc).__name__} {exc}", False
    ms = (time.perf_counter() - t0) * 1000
    if resp.status_code != 200:
        return ms, f"http {resp.status_code}: {resp.text[:200]}", False
    if ms > timeout * 1000:
        return ms, f"timeout: answered after {ms / 1000:.1f}s", False
    try:
        data = resp.json()
    except ValueError:
        return ms, f"invalid json: {resp.text[:200]}", False
    if not isinstance(data, dict) or "answer" not in data:
        return ms, f"no answer field: {resp.text[:200]}", False
    return ms, "", bool(data.get("refused"))


class Load:
    """`users` threads asking round robin (each from its own offset) until stopped or out of budget."""

    def __init__(self, base: str, questions: list[dict[str, Any]], users: int, max_requests: int,
                 timeout: float) -> None:
        self.url, self.questions, self.users, self.timeout = f"{base}/api/ask", questions, users, timeout
        self.results: list[Result] = []
        self.exhausted = threading.Event()
        self._budget, self._lock, self._stop = max_requests, threading.Lock(), threading.Event()
        self._threads: list[threading.Thread] = []
        self.t0 = 0.0

    def _claim(self) -> bool:
        with self._lock:
            if self._budget <= 0:
                self.exhausted.set()
                return False
            self._budget -= 1
            return True

    def _user(self, u: int) -> None:
        n = len(self.questions)
        i = u * n // self.users
        with httpx.Client(timeout=self.timeout) as client:
            while not self._stop.is_set() and self._claim():
                q = self.questions[i % n]
                i += 1
                sent = time.monotonic() - self.t0
                ms, error, refused = ask_once(client, self.url, q, self.timeout)
                result = Result(round(sent, 3), round(ms, 1), error, str(q.get("id", i % n)),
                                bool(q.get("answerable", True)), refused)
                with self._lock:
                    self.results.append(result)

    def start(self) -> None:
        self.t0 = time.monotonic()
        self._threads = [threading.Thread(target=self._user, args=(u,), daemon=True) for u in range(self.users)]
        for t in self._threads:
            t.start()

    def stop(self) -> float:
        """Stop the users (each finishes its request in flight); returns the phase's seconds."""
        self._stop.set()
        for t in self._threads:
            t.join(self.timeout + 5)
        return time.monotonic() - self.t0


# ---------------------------------------------------------------------------- re-index


def run_reindex(base: str, password: str, load: Load, duration: float, max_s: float) -> Reindex:
    """Trigger a rebuild 2 s into the phase, poll it every 2 s; return when the phase may end."""
    state = Reindex()
    url, headers = f"{base}/api/admin/reindex", {"X-Admin-Password": password}
    with httpx.Client(timeout=30, headers=headers) as client:
        time.sleep(max(0.0, load.t0 + 2 - time.monotonic()))
        state.triggered_s = round(time.monotonic() - load.t0, 1)
        try:
            resp = client.post(url, json={"rebuild": True})
            state.post_status = resp.status_code
            if resp.status_code != 202:
                state.error = f"POST {url} returned {resp.status_code}: {resp.text[:200]}"
        except httpx.HTTPError as exc:
            state.error = f"POST {url} failed: {exc}"
        next_poll = time.monotonic() + 2
        while True:
            elapsed = time.monotonic() - load.t0
            settled = state.finished_s is not None or state.error is not None
            if settled and (elapsed >= duration or load.exhausted.is_set()):
                break
            if elapsed >= max_s:
                if not settled:
                    state.error = f"the re-index had not finished after {max_s:g}s"
                break
            if not settled and time.monotonic() >= next_poll:
                next_poll += 2
                poll(client, url, state, elapsed)
            time.sleep(0.2)
    return state


def poll(client: httpx.Client, url: str, state: Reindex, elapsed: float) -> None:
    try:
        resp = client.get(url)
        status = resp.json() if resp.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        state.progress.append({"t": round(elapsed, 1), "poll_error": str(exc)})
        return
    if not isinstance(status, dict):
        state.progress.append({"t": round(elapsed, 1), "poll_error": f"HTTP {resp.status_code}"})
        return
    state.progress.append({"t": round(elapsed, 1), "running": status.get("running"),
                           "done": status.get("done"), "total": status.get("total")})
    if not status.get("running") and (status.get("report") is not None or status.get("error")):
        state.finished_s, state.report = round(elapsed, 1), status.get("report")
        if status.get("error"):
            state.error = f"the re-index failed: {status['error']}"


# ---------------------------------------------------------------------------- phases, report


def run_phase(name: str, base: str, questions: list[dict[str, Any]], args: argparse.Namespace,
              sampler: RssSampler, password: str | None = None) -> dict[str, Any]:
    """One phase of load; with the admin password, a re-index runs during it."""
    sampler.label = name
    sampler.sample()
    load = Load(base, questions, args.users, args.max_requests, args.timeout)
    load.start()
    reindex = None
    if password is None:
        load.exhausted.wait(args.duration)
    else:
        reindex = run_reindex(base, password, load, args.duration, args.reindex_max)
    seconds = load.stop()
    sampler.sample()
    phase: dict[str, Any] = {"name": name, **summarize(load.results, seconds), "rss_mb": sampler.stats(name),
                             "refused_ids": sorted(refused_ids(load.results))}
    if reindex is not None:
        phase["reindex"] = {**asdict(reindex), "ok": reindex.ok}
        if reindex.post_status == 202:  # the answers sent while the re-index ran
            start = reindex.triggered_s or 0.0
            end = reindex.finished_s if reindex.finished_s is not None else seconds
            phase["during_reindex"] = summarize([r for r in load.results if start <= r.sent <= end], end - start)
    phase["results"] = load.results
    return phase


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="../shared", help="where evals/dev.jsonl is looked for")
    parser.add_argument("--questions", help="JSONL questions (default: SHARED/evals/dev.jsonl, else "
                                            "evals/followup.jsonl)")
    parser.add_argument("--corpus", default=str(ROOT / "corpus"), help="copied to a temporary folder")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load per phase")
    parser.add_argument("--max-requests", type=int, default=20000, help="per phase")
    parser.add_argument("--timeout", type=float, default=30, help="seconds before a request counts as failed")
    parser.add_argument("--reindex-max", type=float, default=180, help="longest the re-index phase may last")
    parser.add_argument("--out-dir", default=str(ROOT / "evals" / "results"))
    args = parser.parse_args(argv)
    dev = Path(args.shared) / "evals" / "dev.jsonl"
    qpath = Path(args.questions) if args.questions else dev if dev.exists() else ROOT / "evals" / "followup.jsonl"
    questions = load_questions(qpath)

    work = Path(tempfile.mkdtemp(prefix="pq-loadtest-"))
    password = secrets.token_urlsafe(16)
    env = server_env(work, password)
    proc = None
    try:
        shutil.copytree(args.corpus, work / "corpus")
        print(f"loadtest: indexing a copy of {args.corpus} in {work}", flush=True)
        ingest(env, work / "ingest.log")
        port = free_port()
        proc = start_server(env, port, work / "server.log")
        base = f"http://127.0.0.1:{port}"
        sampler = RssSampler(proc.pid, time.monotonic())
        sampler.sample()
        sampler.start()
        with httpx.Client(timeout=args.timeout) as client:  # first answer loads models; not counted
            t = time.perf_counter()
            warmup_ok = ask_once(client, f"{base}/api/ask", questions[0], args.timeout)[1] == ""
            warmup_ms = round((time.perf_counter() - t) * 1000, 1)
        print(f"loadtest: server pid {proc.pid} on {base}, {len(questions)} questions from {qpath}, "
              f"{args.users} users", flush=True)
        steady = run_phase("steady", base, questions, args, sampler)
        print(phase_line(steady), flush=True)
        during = run_phase("reindex", base, questions, args, sampler, password=password)
        print(phase_line(during), flush=True)
        sampler.stop()
    except RuntimeError as exc:
        print(f"loadtest: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if proc is not None:
            stop_server(proc)
        shutil.rmtree(work, ignore_errors=True)

    phases = [steady, during]
    asked_before, before = {r.qid for r in steady["results"]}, set(steady["refused_ids"])
    results = [r for p in phases for r in p.pop("results")]
    total = summarize(results, sum(p["seconds"] for p in phases))
    rss = {**sampler.stats("steady", "reindex"), "server_ready": sampler.samples[0]["rss_mb"]}
    newly_refused = sorted(q for q in during["refused_ids"] if q in asked_before and q not in before)
    report = {
        "date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores", "questions_file": str(qpath),
        "settings": {k: getattr(args, k) for k in ("users", "duration", "max_requests", "timeout", "reindex_max")},
        "warmup": {"ms": warmup_ms, "ok": warmup_ok},
        "total": total, "rss_mb": rss, "phases": phases,
        "answerable_refused_only_during_reindex_phase": newly_refused,
        "rss_samples": sampler.samples,
    }
    out = Path(args.out_dir) / f"loadtest-{report['date']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    failed = total["errors"] > 0 or not during["reindex"]["ok"]
    print(f"loadtest: answerable questions refused in the re-index phase but not before: {len(newly_refused)}"
          + (f" ({', '.join(newly_refused[:10])})" if newly_refused else ""))
    print(f"report: {out}")
    print(f"loadtest: requests={total['requests']} errors={total['errors']} p50={total['p50_ms']:.0f}ms "
          f"p95={total['p95_ms']:.0f}ms rss_start={rss['start']}MB rss_max={rss['max']}MB rss_end={rss['end']}MB "
          f"reindex={'ok' if during['reindex']['ok'] else 'failed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
