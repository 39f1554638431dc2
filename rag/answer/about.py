"""Answer a question about a document itself (issuer, date, status, period) from its manifest entry,
citing the document's opening paragraph. See rag.answer.document_facts for what is recognised."""

from __future__ import annotations

from dataclasses import replace

from rag.answer.assessment import NEVER_MENTION, Evidence, citation
from rag.answer.document_facts import fact_sentence, intent_of
from rag.search.retrieval import Retriever
from rag.search.terms import expected_kind, is_chinese
from rag.types import Answer

# A question that also asks for an amount, a share or a count is about the content, not the document.
_CONTENT_KINDS = ("money", "percent", "count", "phone")


def about_document(question: str, evidence: Evidence, retriever: Retriever, mode: str) -> Answer | None:
    """The answer to "谁发的？/是正式发布的吗？/什么时候到期？" about the document the question names
    (or the one its best paragraph comes from), or None when the question is not of that kind."""
    intent = intent_of(question)
    if intent is None or expected_kind(question) in _CONTENT_KINDS or not evidence.retrieved:
        return None
    if evidence.refused and evidence.reason.startswith(NEVER_MENTION):
        return None  # 深圳的政策是谁发的？ is about a document this index does not have
    # Which document: the one the question names, or the one the conversation is about (a
    # follow-up, or a search narrowed to one document). Otherwise it is not clear which is meant.
    docs = {rc.chunk.doc_id for rc in evidence.retrieved}
    if evidence.named:
        doc = evidence.named[0]
    elif evidence.query != evidence.question or len(docs) == 1:
        doc = evidence.retrieved[0].chunk.doc_id
    else:
        return None
    head = retriever.first_chunk(doc)
    if head is None:
        return None
    english = not is_chinese(question)
    sentence, stated = fact_sentence(intent, head.meta, english)
    cite = replace(citation(1, head), quotes=())
    if not stated:
        return Answer(sentence, (), True, mode, (cite,), "", evidence.retrieved)
    marked = sentence[:-1] + "[1]" + sentence[-1] if sentence[-1] in "。." else sentence + "[1]"
    source = "（据文件目录信息）" if not english else " (from the document register)"
    return Answer(marked + source, (cite,), False, mode, (), "", evidence.retrieved)
