"""What an ingest has to do: read the corpus folder's files once, hash them and sort them into
unchanged, to index, duplicates and unreadable, before anything is embedded; and what an ingest reports."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.ingest.corpus import Corpus
from rag.ingest.loading import LoadError, check_size


@dataclass
class Scan:
    todo: list[tuple[Path, int]] = field(default_factory=list)  # (file, size) to (re-)index
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (skipped name, indexed name)
    errors: list[LoadError] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # every document file present, readable or not


def scan_corpus(
    corpus: Corpus,
    live: dict[str, str],
    is_current: Callable[[str, str], bool],
    max_bytes: int,
    force: bool = False,
) -> Scan:
    """Sort the corpus files by what ingest must do with them.

    live maps indexed document names to their recorded key; is_current(recorded, file_hash) tells
    whether that record still matches the file. A file with the same bytes as another is indexed
    once: under the name already indexed if there is one, else the first name in order.
    """
    found = corpus.files()  # a missing folder is a LoadError naming it
    scan = Scan(errors=corpus.links())
    files: list[tuple[Path, int, str]] = []
    for path in found:
        scan.names.add(path.name)
        try:
            size = check_size(path, max_bytes)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except LoadError as err:
            scan.errors.append(err)
            continue
        except OSError as exc:
            scan.errors.append(LoadError(path, f"cannot read the file ({exc.strerror})"))
            continue
        files.append((path, size, digest))
    keeper: dict[str, str] = {}
    for path, _, digest in sorted(files, key=lambda f: (f[0].name not in live, f[0].name)):
        keeper.setdefault(digest, path.name)
    for path, size, digest in files:
        if keeper[digest] != path.name:
            scan.duplicates.append((path.name, keeper[digest]))
        elif not force and path.name in live and is_current(live[path.name], digest):
            scan.unchanged.append(path.name)
        else:
            scan.todo.append((path, size))
    return scan


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (skipped name, indexed name)
    errors: list[LoadError] = field(default_factory=list)
    repaired: int = 0  # vectors or paragraphs put right after an interrupted run
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def indexed(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)
