"""Generators turn assessed evidence into an Answer; make_generator picks one from settings."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rag.settings import Settings

if TYPE_CHECKING:
    from rag.answer.answering import Generator

log = logging.getLogger(__name__)


def make_generator(settings: Settings) -> Generator:
    """Extractive (offline default) unless an LLM endpoint or the bundled model is configured. The
    bundled model is one more endpoint: started here on 127.0.0.1, then used like any other. If it
    cannot start, that is said once in the log and the answers are extractive."""
    from rag.answer.generation.extractive import ExtractiveGenerator

    if not settings.llm_enabled:
        return ExtractiveGenerator()
    from rag.answer.generation.llm import LLMGenerator

    server = None
    if not settings.llm_base_url:  # POLICY_QA_LLM=local
        from rag.answer.generation.local_model import LocalModelError, start

        try:
            server = start(settings.local_model, settings.data_dir / "models", settings.llm_threads)
        except LocalModelError as err:
            log.warning("bundled model not used, answers are extractive: %s", err)
            return ExtractiveGenerator()
        settings = settings.with_overrides(llm_base_url=server.base_url, llm_model=server.path.name)
    generator = LLMGenerator(settings, fallback=ExtractiveGenerator(), local=server is not None)
    generator.server = server
    return generator
