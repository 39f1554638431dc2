"""A local OpenAI-compatible chat endpoint for tests and recorded evaluations (127.0.0.1 only).

Responses are scripted: `enqueue(Reply(...))` queues what the next request gets (text, an HTTP
error, a delay, an empty reply). With nothing queued the stub answers from the prompt itself
(`auto` mode): it quotes the first sentence of paragraph [1] with its citation, so a real client
sees a plausible cited answer. Every request is recorded for assertions.

Run standalone: `python -m evals.stub_llm --port 8901` (prints its base URL).
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = ""
    status: int = 200  # anything else: an error body with this status
    delay: float = 0.0  # seconds before the first byte
    chunk_delay: float = 0.0  # seconds between streamed chunks
    headers: dict[str, str] = field(default_factory=dict)


NOISE = "此外，每家企业还可获得补贴3.14亿元[1]。详见附件[99]。"


def auto_answer(messages: list[dict[str, Any]], noisy: bool = False) -> str:
    """A cited answer built from the prompt: the first sentence of paragraph [1], or a rewrite.

    `noisy` adds what careless models write: a wrong figure with a valid citation and a citation of
    a paragraph that was never given, so a recorded run shows the verifier at work.
    """
    prompt = "\n".join(str(m.get("content", "")) for m in messages)
    if "改写" in prompt and "独立" in prompt:  # a rewrite request: the latest question plus the last user turn
        latest = re.findall(r"最新问题[:：]\s*(.+)", prompt)
        earlier = re.findall(r"^用户[:：]\s*(.+)", prompt, re.M)
        return " ".join(x.strip() for x in (latest[-1:] + earlier[-1:]))
    data = prompt.split("<<<", 1)[-1]  # the paragraphs, not the rules
    m = re.search(r"^\[1\][^\n]*\n(.+?)(?:\n\n\[2\]|\n>>>|$)", data, re.M | re.S)
    if not m:
        return "现有文件中没有找到相关规定。"
    sentences = [x.strip() for x in re.split(r"(?<=[。！？；])|\n", m.group(1)) if x.strip()]
    first = next((x for x in sentences if len(x) >= 12), sentences[0])
    return f"{first}[1]" + ("\n" + NOISE if noisy else "")


class _Handler(BaseHTTPRequestHandler):
    server: StubServer  # type: ignore[assignment]

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # /v1/models
        self._json(200, {"object": "list", "data": [{"id": "stub", "object": "model"}]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
        reply = self.server.next_reply(body.get("messages", []))
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            self._json(reply.status, {"error": {"message": f"stub error {reply.status}", "type": "stub"}},
                       reply.headers)
            return
        if body.get("stream"):
            self._stream(reply, body.get("model", "stub"))
        else:
            self._json(200, {
                "id": "stub-1", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", "stub"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply.text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            })

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: Reply, model: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = [reply.text[i : i + 8] for i in range(0, len(reply.text), 8)] or [""]
        try:
            for i, piece in enumerate(pieces):
                delta: dict[str, Any] = {"content": piece}
                if i == 0:
                    delta["role"] = "assistant"
                chunk = {"id": "stub-1", "object": "chat.completion.chunk", "created": int(time.time()),
                         "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                self.wfile.flush()
                if reply.chunk_delay:
                    time.sleep(reply.chunk_delay)
            end = {"id": "stub-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, noisy: bool = False) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.noisy = noisy
        self.requests: list[dict[str, Any]] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    def next_reply(self, messages: list[dict[str, Any]]) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return Reply(text=auto_answer(messages, self.noisy))

    def start(self) -> StubServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description="OpenAI-compatible stub on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8901)
    parser.add_argument("--noisy", action="store_true", help="add a wrong figure and a bad citation to answers")
    args = parser.parse_args()
    server = StubServer(args.port, noisy=args.noisy)
    print(server.base_url, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
