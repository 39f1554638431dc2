"""The child process of rag.answer.generation.local_model: llama.cpp's server for one GGUF file on 127.0.0.1,
until its parent stops it (or dies: the pipe to it closes)."""

from __future__ import annotations

import json
import os
import sys
import threading


def main(argv: list[str]) -> int:
    import xllamacpp

    conf = json.loads(argv[0])
    p = xllamacpp.CommonParams()
    p.model.path = conf["model"]
    p.hostnames = ["127.0.0.1"]  # never reachable from another machine
    p.port = int(conf["port"])
    p.n_ctx = int(conf["ctx"])
    p.n_parallel = 1  # one answer at a time: two would halve the speed of each on 2 cores
    p.cpuparams.n_threads = int(conf["threads"])
    p.cpuparams_batch.n_threads = int(conf["threads"])
    p.cache_prompt = True  # the shared system prompt is read once
    p.warmup = True
    server = xllamacpp.Server(p)
    # stay until the parent closes our stdin (it exited, or stopped us)
    watcher = threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True)
    watcher.start()
    threading.Event().wait()
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
