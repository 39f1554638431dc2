"""Rule-based follow-up handling for the offline mode: carry the topic of the previous turn over.

"那平湖呢？" after a question about Shiling's funding becomes a question about Pinghu's funding: the
earlier question supplies what is asked, the new one what it is asked about.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

_ELLIPTIC = re.compile(
    r"^(那|那么|还有|另外|再问|and|what about|how about)|[呢]\s*[？?]?$|^(它|该|这个|这份|上述)", re.I
)
_SHORT = 14


def last_user_turn(history: Sequence[dict[str, Any]] | None) -> str:
    for turn in reversed(history or []):
        if turn.get("role") == "user" and str(turn.get("content", "")).strip():
            return str(turn["content"]).strip()
    return ""


def is_followup(question: str) -> bool:
    q = question.strip()
    return bool(_ELLIPTIC.search(q)) or len(q) < _SHORT


def places_in(text: str, known: Collection[str] = ()) -> list[str]:
    """Place names in text: jieba's place tag, plus the known ones (manifest regions and aliases)."""
    import jieba.posseg as pseg

    found = [w for w, flag in pseg.lcut(text) if flag == "ns"]
    return found + [k for k in known if k and k in text and k not in found]


def condense(question: str, history: Sequence[dict[str, Any]] | None, industries: Collection[str] = (),
             known_places: Collection[str] = ()) -> str:
    """A standalone search query: the question itself, or the previous question re-aimed by this one.

    When the follow-up names a place, the earlier question's places are dropped, so "那平湖呢？"
    after a question about 狮岭 asks the same thing about 平湖 instead of about both; the earlier
    industry words (皮具) go too, since another place's documents speak of their own industry.
    """
    q = question.strip()
    previous = last_user_turn(history)
    if not previous or not is_followup(q):
        return q
    if places_in(q, known_places):
        for word in sorted(set(places_in(previous, known_places)) | set(industries), key=len, reverse=True):
            previous = previous.replace(word, "")
    return f"{q} {previous}"
