"""The corpus as ingest sees it: the shipped folder with the staff's changes laid over it.

The shipped folder (corpus/, tracked in git) is only read. Documents staff upload, replace or
delete in the admin tab, and metadata they edit, live in a second folder (data/uploads/ by default,
POLICY_QA_UPLOADS_DIR), with a manifest.toml of its own:

- a file there stands for the shipped file of the same name, or is a new document;
- its manifest entry's fields replace the shipped entry's, field by field;
- `withdrawn = true` in an entry hides the shipped file of that name (a deleted seed document).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.ingest.loading import LoadError, corpus_files, corpus_links, read_manifest
from rag.ingest.manifest import save_manifest

WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Corpus:
    seed: Path
    uploads: Path | None = None  # None: one folder, written in place (a corpus given on the command line)

    @classmethod
    def of(cls, corpus: Corpus | Path | str) -> Corpus:
        return corpus if isinstance(corpus, Corpus) else cls(Path(corpus))

    def __str__(self) -> str:
        staff = self.uploads is not None and self.uploads.is_dir()
        return f"{self.seed} + {self.uploads}" if staff else str(self.seed)

    @property
    def writable(self) -> Path:
        """Where the admin writes files and metadata."""
        return self.seed if self.uploads is None else self.uploads

    def overlay(self) -> dict[str, dict[str, Any]]:
        """The manifest the admin writes: the staff folder's own (empty when there is none), or in a
        one-folder corpus the folder's manifest."""
        if not self.writable.is_dir():
            return {}
        return read_manifest(self.writable)

    def save_overlay(self, manifest: dict[str, dict[str, Any]]) -> None:
        self.writable.mkdir(parents=True, exist_ok=True)
        save_manifest(self.writable, manifest)

    def withdrawn(self) -> set[str]:
        return {name for name, entry in self.overlay().items() if entry.get(WITHDRAWN) is True}

    def manifest(self) -> dict[str, dict[str, Any]]:
        """{file name: metadata} of the documents as they stand (shipped entry, staff edits over it)."""
        merged = read_manifest(self.seed) if self.seed.is_dir() else {}
        if self.uploads is None:
            return merged
        for name, entry in self.overlay().items():
            fields = {k: v for k, v in entry.items() if k != WITHDRAWN}
            merged[name] = {**merged.get(name, {}), **fields}
        return merged

    def files(self) -> list[Path]:
        """The document files, a staff file standing for a shipped one of the same name. A missing
        shipped folder is a LoadError naming it (unless staff files make up the whole corpus)."""
        shipped: list[Path] = []
        if self.uploads is None or self.seed.is_dir() or not self._staff_files():
            shipped = corpus_files(self.seed)
        by_name = {p.name: p for p in shipped if p.name not in self.withdrawn()}
        by_name.update({p.name: p for p in self._staff_files()})
        return [by_name[name] for name in sorted(by_name)]

    def _staff_files(self) -> list[Path]:
        if self.uploads is None or not self.uploads.is_dir():
            return []
        return corpus_files(self.uploads)

    def links(self) -> list[LoadError]:
        """Symbolic links in either folder: named and skipped."""
        folders = [self.seed] + ([self.uploads] if self.uploads is not None else [])
        return [err for folder in folders if folder.is_dir() for err in corpus_links(folder)]

    def path_of(self, name: str) -> Path | None:
        """The file a document name stands for now, or None."""
        return next((p for p in self.files() if p.name == name), None)

    def shipped(self, name: str) -> bool:
        """Whether the shipped folder holds a file of this name (hidden or not)."""
        return self.uploads is not None and (self.seed / name).is_file()
