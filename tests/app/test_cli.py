"""The `policy-qa` command run as a user would: a subprocess with its own environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BIN, FIXTURES, ROOT, SHILING, copy_corpus

pytestmark = pytest.mark.slow


def run(*args: str, env_extra: dict[str, str] | None = None, cwd: Path = ROOT,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    exe = BIN / "policy-qa"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("cli")
    corpus = copy_corpus(base / "corpus")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    index = base / "index"
    first = run("ingest", "--corpus", str(corpus), "--index", str(index))
    assert first.returncode == 0, first.stderr
    assert "indexed 5 documents" in first.stdout and "added 5" in first.stdout
    assert "broken.pdf" in first.stderr and "error:" in first.stderr  # named, and the rest indexed
    progress = [line for line in first.stderr.splitlines() if line.startswith("索引文件")]
    assert "B/s" in progress[-1] and "left" in progress[-1] and progress[-1].startswith("索引文件: 100%")
    assert len(progress) == len(set(progress)) <= 11 and "\r" not in first.stderr  # in a log: lines, once each
    return corpus, index


def test_reingest_embeds_nothing(cli_index: tuple[Path, Path]) -> None:
    corpus, index = cli_index
    again = run("ingest", "--corpus", str(corpus), "--index", str(index))
    assert again.returncode == 0 and "unchanged 5" in again.stdout and "embedded 0 paragraphs" in again.stdout


def test_ask_json_is_one_object_with_offsets(cli_index: tuple[Path, Path]) -> None:
    corpus, index = cli_index
    out = run("ask", "狮岭镇皮具产业有哪些资金扶持？", "--json", "--index", str(index))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)  # exactly one JSON document on stdout
    assert set(data) >= {"answer", "refused", "mode", "citations"}
    assert data["mode"] == "extractive" and data["refused"] is False and "1.8亿元" in data["answer"]
    c = data["citations"][0]
    assert set(c) >= {"n", "doc", "title", "start", "end", "text"}
    assert c["doc"] == SHILING
    stored = (corpus / c["doc"]).read_text(encoding="utf-8")
    assert stored[c["start"] : c["end"]] == c["text"] and "1.8亿元" in c["text"]


def test_ask_plain_shows_sources_and_refusals(cli_index: tuple[Path, Path]) -> None:
    _, index = cli_index
    out = run("ask", "狮岭镇皮具产业有哪些资金扶持？", "--index", str(index))
    assert "来源：" in out.stdout and "广州市工业和信息化局" in out.stdout
    out = run("ask", "东莞厚街的鞋企能享受哪些扶持政策？", "--index", str(index))
    assert "现有文件未涉及东莞" in out.stdout and "相关段落" in out.stdout


def test_ask_with_unknown_filter_fails_clearly(cli_index: tuple[Path, Path]) -> None:
    _, index = cli_index
    out = run("ask", "资金扶持", "--region", "火星", "--index", str(index))
    assert out.returncode == 2 and "unknown region: 火星" in out.stderr


def test_eval_writes_report(cli_index: tuple[Path, Path], tmp_path: Path) -> None:
    _, index = cli_index
    report_path = tmp_path / "report.json"
    out = run("eval", "--questions", str(FIXTURES / "mini.jsonl"), "--index", str(index), "--out", str(report_path))
    assert out.returncode == 0, out.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["n"] == 4
    assert set(report["retrieval"]) == {"recall@1", "recall@5", "recall@10", "mrr"}
    assert set(report["answer"]) >= {"key_fact_recall", "citation_precision", "refusal_accuracy", "false_refusal_rate"}
    assert set(report["by_type"]) == {"fact", "followup", "unanswerable"}
    assert report["retrieval"]["recall@5"] == 1.0 and report["answer"]["refusal_accuracy"] == 1.0
    assert report["answer"]["key_fact_recall"] == 1.0
    assert len(report["questions"]) == 4 and "recall@5=" in out.stdout


def test_eval_indexes_another_corpus_separately(tmp_path: Path) -> None:
    corpus = tmp_path / "other"
    corpus.mkdir()
    notice = "关于展会补助的通知\n参加境外展会的企业，按展位费的50%给予补助，单个企业最高5万元。\n"
    (corpus / "a.txt").write_text(notice, encoding="utf-8")
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "x", "question": "参加境外展会最高补助多少？", "answerable": True,
                                     "gold": [{"doc": "a.txt", "evidence": "单个企业最高5万元"}],
                                     "key_facts": ["5万元"]}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = run("eval", "--questions", str(questions), "--corpus", str(corpus), "--out", str(tmp_path / "r.json"),
              env_extra={"POLICY_QA_DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["retrieval"]["recall@1"] == 1.0 and report["answer"]["key_fact_recall"] == 1.0
    assert any(p.name.startswith("index-other-") for p in (tmp_path / "data").iterdir())


def test_bad_questions_file_names_the_line(cli_index: tuple[Path, Path], tmp_path: Path) -> None:
    _, index = cli_index
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "x"}\n{not json\n', encoding="utf-8")
    out = run("eval", "--questions", str(bad), "--index", str(index))
    assert out.returncode == 2 and "bad.jsonl:2" in out.stderr


def test_module_entry_point() -> None:
    out = subprocess.run([sys.executable, "-m", "rag.app.cli", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "ingest" in out.stdout


def test_serve_refuses_an_empty_index_naming_ingest(tmp_path: Path) -> None:
    from tests.conftest import free_port

    out = run("serve", "--index", str(tmp_path / "empty-index"), "--port", str(free_port()),
              env_extra={"POLICY_QA_DATA_DIR": str(tmp_path)}, timeout=120)  # before: it served forever
    assert out.returncode == 2 and "holds no documents" in out.stderr and "policy-qa ingest" in out.stderr


def test_ctrl_c_stops_the_server_cleanly(cli_index: tuple[Path, Path]) -> None:
    import signal
    import time
    import urllib.request

    from tests.conftest import free_port

    corpus, index = cli_index
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "POLICY_QA_CORPUS": str(corpus)}
    proc = subprocess.Popen([str(BIN / "policy-qa"), "serve", "--index", str(index), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        for _ in range(240):  # until it answers
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0 and err.strip().endswith("stopped") and "interrupted" not in err, err


def test_match_lists_cited_measures_and_exports(cli_index: tuple[Path, Path]) -> None:
    _, index = cli_index
    out = run("match", "--region", "花都区狮岭镇", "--industry", "皮具", "--need", "展会", "--need", "人才",
              "--format", "json", "--index", str(index))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["place"] == ["广东省", "广州市", "花都区", "狮岭镇"] and data["measures"]
    assert {m["need"] for m in data["measures"]} == {"展会", "人才"}
    assert all(m["citation"]["doc"] in (SHILING, "001_4cc97f4c278e948c.txt") for m in data["measures"])
    assert all(m["offer"] in m["citation"]["text"] for m in data["measures"])
    md = run("match", "--region", "狮岭镇", "--industry", "皮具", "--need", "展会", "--index", str(index))
    assert md.returncode == 0 and md.stdout.startswith("# 政策匹配清单") and "出处：《" in md.stdout
    bad = run("match", "--region", "狮岭镇", "--need", "旅游", "--index", str(index))
    assert bad.returncode == 2 and "旅游" in bad.stderr
    bad = run("match", "--region", "狮岭镇", "--fact", "规上=maybe", "--index", str(index))
    assert bad.returncode == 2 and "规上" in bad.stderr
