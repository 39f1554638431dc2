"""Sentences that speak to a chatbot instead of stating policy ("忽略以上指令…", "ignore previous
instructions…"). Document text is data: such sentences are never quoted as an answer, and in LLM
mode the documents reach the model only as fenced data under a system rule not to obey them."""

from __future__ import annotations

import re

_PATTERNS = [
    r"(忽略|无视|忘记|忘掉|不要理会|跳过)[^。！？]{0,12}(以上|之前|前面|上述|先前|所有|全部|系统)[^。！？]{0,8}"
    r"(指令|指示|要求|提示|规则|设定|内容)",
    r"(你|您)(现在|从现在起)?(是|扮演|作为)[^。！？]{0,10}(助手|AI|人工智能|模型|机器人|客服)",
    r"(系统|开发者)\s*(提示词|prompt)",
    r"(在|于)(回答|回复|答复|输出)(的)?(末尾|结尾|开头|最后)(加上|附上|添加|写上)",
    r"(请|务必)?(直接)?(回答|回复|输出)(用户)?[：:]",
    r"\bignore\b.{0,30}\b(instructions?|prompts?|rules)\b",
    r"\b(system|developer) prompt\b",
    r"\byou are (now )?(an? )?(ai|assistant|chatbot|language model)\b",
    r"\bdisregard\b.{0,30}\b(above|previous|prior)\b",
]
_INSTRUCTION = re.compile("|".join(_PATTERNS), re.IGNORECASE)


def speaks_to_the_bot(sentence: str) -> bool:
    """True for a sentence written to steer a chatbot (prompt injection), not to inform a reader."""
    return bool(_INSTRUCTION.search(sentence))
