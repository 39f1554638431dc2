"""corpus/manifest.toml: read, and written back when staff edit metadata or upload a document."""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.toml"
HEADER = (
    "# Metadata of the policy documents in this folder, one table per file name.\n"
    "# Fields: title, issuer, doc_number (文号), date (YYYY-MM-DD), region, industry, doc_type, status,\n"
    "# valid_period, contact, aliases (short names users say), source_note.\n"
)


class ManifestError(ValueError):
    """The manifest cannot be read; the message names the file and the problem."""


def load_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """{file name: metadata}. A missing manifest is an empty one."""
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: invalid TOML: {exc}") from exc
    manifest: dict[str, dict[str, Any]] = {}
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise ManifestError(f"{path}: entry {name!r} must be a table of fields")
        manifest[name] = dict(entry)
    return manifest


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    s = str(v)
    escaped = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def dumps(manifest: dict[str, dict[str, Any]]) -> str:
    parts = [HEADER]
    for name in sorted(manifest):
        parts.append(f"\n[{_value(name)}]\n")
        for key, value in manifest[name].items():
            if value is None:
                continue
            parts.append(f"{key} = {_value(value)}\n")
    return "".join(parts)


def save_manifest(corpus_dir: Path, manifest: dict[str, dict[str, Any]]) -> None:
    """Write atomically: a crash leaves either the old or the new manifest, never half of one."""
    text = dumps(manifest)
    tomllib.loads(text)  # never write a manifest that would not load again
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=corpus_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, corpus_dir / MANIFEST_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
