"""Ingest: files in, paragraphs out.

Enters: a corpus folder (corpus/ with the staff folder laid over it) and its manifest.toml.
Leaves: `Document` (text, metadata) and `Chunk` (document, character span, heading path).
Reads nothing from the later stages.
"""
