"""Match (政策匹配): a business profile in, the measures that may apply out.

Enters: a `Profile` (place, industry, needs, optional size facts) and the index snapshot's
documents and paragraphs (rag.index).
Leaves: `MatchResult`: `Match`es grouped by need, each a measure sentence (offer, conditions,
amount as written, period) with its fit and a `Citation` of its paragraph. Uses rag.index and
rag.ingest.
"""
