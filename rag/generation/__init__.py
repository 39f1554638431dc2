"""Generators turn assessed evidence into an Answer; make_generator picks one from settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.settings import Settings

if TYPE_CHECKING:
    from rag.answering import Generator


def make_generator(settings: Settings) -> Generator:
    """Extractive (offline default) unless an LLM endpoint is configured."""
    from rag.generation.extractive import ExtractiveGenerator

    if settings.llm_enabled:
        from rag.generation.llm import LLMGenerator

        return LLMGenerator(settings, fallback=ExtractiveGenerator())
    return ExtractiveGenerator()
