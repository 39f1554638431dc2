"""The library stays UI-free, its stages import one way, and modules stay small."""

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


# The stages in pipeline order: a stage may import the shared modules (rag/*.py) and the stages
# before it, never one after it (the data flows one way: files -> index -> search -> answer -> match -> app).
STAGES = ["ingest", "index", "search", "answer", "match", "app"]


def _rag_imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rag"):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("rag"))


def test_each_stage_imports_only_the_stages_before_it() -> None:
    wrong = []
    for i, stage in enumerate(STAGES):
        for path in (ROOT / "rag" / stage).rglob("*.py"):
            for module in _rag_imports(path):
                parts = module.split(".")
                if len(parts) > 1 and parts[1] in STAGES and STAGES.index(parts[1]) > i:
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, wrong


def test_the_shared_modules_import_no_stage_when_loaded() -> None:
    """types, settings and sanitize load without any stage (settings builds a Corpus on request)."""
    for path in (ROOT / "rag").glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[1:2] not in ([s] for s in STAGES), f"{path.name}: {node.module}"
