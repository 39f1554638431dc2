"""Rule-based follow-up handling for the offline mode: carry the topic of the previous turn over.

"那平湖呢？" after a question about Shiling's funding becomes a question about Pinghu's funding: the
earlier question supplies what is asked, the new one what it is asked about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_ELLIPTIC = re.compile(r"^(那|那么|还有|另外|再问|and|what about|how about)|[呢]\s*[？?]?$|^(它|该|这个|这份|上述)", re.I)
_SHORT = 14


def last_user_turn(history: Sequence[dict[str, Any]] | None) -> str:
    for turn in reversed(history or []):
        if turn.get("role") == "user" and str(turn.get("content", "")).strip():
            return str(turn["content"]).strip()
    return ""


def is_followup(question: str) -> bool:
    q = question.strip()
    return bool(_ELLIPTIC.search(q)) or len(q) < _SHORT


def condense(question: str, history: Sequence[dict[str, Any]] | None) -> str:
    """A standalone search query: the question itself, or the previous question plus this one."""
    previous = last_user_turn(history)
    if not previous or not is_followup(question):
        return question.strip()
    return f"{question.strip()} {previous}"
