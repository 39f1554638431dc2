"""The library stays UI-free and modules stay small."""

import ast
import subprocess
import sys

from tests.conftest import ROOT


def test_rag_never_imports_gradio() -> None:
    for path in (ROOT / "rag").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "gradio" for n in names), f"{path} imports gradio"
    code = (
        "import sys, pkgutil, importlib, rag\n"
        "for m in pkgutil.walk_packages(rag.__path__, 'rag.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('gradio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "False", out.stderr


def test_ui_holds_no_retrieval_logic() -> None:
    for path in (ROOT / "ui").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("BM25", "tokenize", "embed_", "chromadb", ".retrieve("):
            assert banned not in text, f"{path.name} uses {banned}"
