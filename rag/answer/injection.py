"""Sentences that speak to a chatbot instead of stating policy. Document text is data: such sentences
are never quoted as an answer, never count as support for a figure (rag.answer.verification), and in LLM
mode the documents reach the model only as fenced data under a system rule not to obey them.

A phrase list always lags behind the next rewording, so a sentence is judged by what it does. Policy
text states rules about enterprises, departments and applicants, in the third person. A sentence
that steers a bot mostly shows two or more of these signs:

- addresses a machine reader: 系统提示, 机器人, 智能客服, 语言模型, AI, assistant, or the 2nd person 你;
- speaks of the person asking: 用户, 提问者, 有人询问, anyone who asks;
- speaks of the answer as an act: 回答时, 统一回复, 把答案改为, 告诉, tell, say;
- overrides: 忽略/别管 what came before, 从现在起, 以此句为准, 读到此处, 无论用户问什么;
- voids the document: 以上/上述 规定 … 当作/视为 无效/作废/失效;
- dictates the answer: a speech verb followed straight by a figure ("一律答复为555亿元");
- casts the reader in a role: 你现在是管理员, 作为智能问答系统, you are now an assistant.

The signs are features of a logistic regression with the character n-grams that matter
(rag/answer/models/injection.json, trained by `make train-injection` on evals/injection/). It flags 16 of
the 18 reworded injections in tests/fixtures/injection_heldout.txt, which it never saw, and 12 of
the 408,531 sentences of 3,423 laws (`python -m evals.injection_scan`). Without the model file the
rule is: two signs or more.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_STOP = r"[^。！？!?]"
_ADDRESSEE = re.compile(
    r"(系统提示|提示词|机器人|智能客服|在线客服|客服系统|问答系统|问答程序|智能问答|自动回复|回复程序|对话程序|答题|"
    r"语言模型|大模型|人工智能|AI|助手|管理员模式|开发者模式|GPT|(?<![a-z])(chatbot|assistant|bot|language model|"
    r"llm|system prompt)(?![a-z]))|(^|[，,：:。；\s])(你|你的|你现在|你必须|你应|你就)(?!们)|^你|如果你|你是", re.I)
_ASKER = re.compile(
    r"(用户|提问者|提问的人|咨询者|咨询的人|询问者|来访者|所有人|任何人|每个人|每一位|大家|对方|"
    r"(有人|凡是?|谁)[^。！？!?]{0,4}(问|询问|咨询)|(?<![a-z])(the user|users?|everyone|anyone)(?![a-z]))", re.I)
_ANSWER_TALK = re.compile(
    r"(回答|回复|答复|答案|答题|输出|宣布|宣称|告诉|告知)[^。！？!?]{0,3}(时|中|里|为|是|改为|其|：|:)|"
    r"(一律|统一|都要|必须|只能|直接|务必|就)[^。！？!?]{0,3}(回答|回复|答复|说|宣布|给出|告诉)|"
    r"(在|于)(回答|回复|答复|答案|输出)|(把|将)答案|(?<![a-z])(answer|reply|respond|tell|say|state)(?![a-z])", re.I)
_OVERRIDE = re.compile(
    r"(忽略|无视|忘记|忘掉|不要理会|不理会|跳过|不用管|不必管|别管|无需理会)[^。！？]{0,12}"
    r"(以上|之前|前面|上面|上述|先前|所有|全部|系统|原有|文件|指令|规定|内容|条文|数字|金额)|"
    r"(不管|无论|不论)(用户|对方|别人|有人|谁)?[^。！？]{0,6}(问|询问|咨询)(什么|啥|何)|"
    r"(从现在起|从现在开始|从此刻起|新任务|新的任务|测试指令|最新口径|此句为准|本句为准|这句话为准|读到此处|看到这里|"
    r"读到这里)|(?<![a-z])(ignore|disregard|forget)(?![a-z]).{0,30}(instructions?|prompts?|rules|above|previous|"
    r"prior|documents?|figures)|(?<![a-z])(from now on|regardless of)(?![a-z])", re.I)
_VOIDS = re.compile(
    r"(以上|上面|上述|之前|前面|前述|本文件|这些)[^。！？]{0,8}(规定|条款|内容|政策|文件|要求)?[^。！？]{0,6}"
    r"(当作|当成|视为|看作|都是|均为|已经?|全部|一律)[^。！？]{0,4}(无效|作废|失效|过时|不算)")
# Dictates the answer: a speech verb followed straight by a figure ("一律答复为555亿元", "say 5 million").
_NUMBER = r"[\d０-９一二三四五六七八九十百千万亿两]"
_DICTATES = re.compile(
    rf"(回答|回复|答复|给出|说|称|声明|宣布|写明|告知|告诉)[^。！？!?，,]{{0,10}}(为|是|：|:)?\s*{_NUMBER}+"
    rf"[^。！？!?]{{0,3}}(元|%|亿|万)|(?<![a-z])(say|tell|answer|state)(?![a-z]).{{0,30}}\d", re.I)
_ROLE = re.compile(r"(你|您)(现在|从现在起)?(是|扮演|作为)[^。！？]{0,10}(助手|AI|人工智能|模型|机器人|客服|管理员)|"
                   r"作为(一个|一名|本)?(智能问答|问答|对话|客服|AI|人工智能|语言)[^。！？]{0,4}(系统|机器人|助手|模型)|"
                   r"\byou are (now )?(an? )?(ai|assistant|chatbot|language model)\b", re.I)
_SIGNS = {"addressee": _ADDRESSEE, "asker": _ASKER, "answer_talk": _ANSWER_TALK, "override": _OVERRIDE,
          "voids": _VOIDS, "dictates": _DICTATES, "role": _ROLE}


def signs(sentence: str) -> set[str]:
    """Which kinds of steering a sentence shows (see the module text)."""
    return {name for name, pattern in _SIGNS.items() if pattern.search(sentence)}


SIGN_NAMES = tuple(_SIGNS)
MODEL_PATH = Path(__file__).parent / "models" / "injection.json"


def grams(sentence: str) -> set[str]:
    """Character 1–3-grams of a sentence, lower-cased, runs of spaces as one."""
    t = re.sub(r"\s+", " ", sentence.lower())
    return {t[i:i + n] for n in (1, 2, 3) for i in range(len(t) - n + 1)}


@dataclass(frozen=True)
class InjectionModel:
    """A logistic regression over the signs and character n-grams (evals/train_injection.py)."""

    signs: dict[str, float]
    ngrams: dict[str, float]
    intercept: float
    threshold: float

    def prob(self, sentence: str) -> float:
        found = signs(sentence)
        z = self.intercept + sum(w for name, w in self.signs.items() if name in found)
        z += sum(self.ngrams.get(g, 0.0) for g in grams(sentence))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def flags(self, sentence: str) -> bool:
        return self.prob(sentence) >= self.threshold

    def to_json(self) -> dict[str, object]:
        return {"signs": self.signs, "ngrams": dict(sorted(self.ngrams.items(), key=lambda kv: -abs(kv[1]))),
                "intercept": self.intercept, "threshold": self.threshold}


@lru_cache(maxsize=1)
def shipped_model() -> InjectionModel | None:
    if not MODEL_PATH.exists():
        return None
    d = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    return InjectionModel({k: float(v) for k, v in d["signs"].items()}, {k: float(v) for k, v in d["ngrams"].items()},
                          float(d["intercept"]), float(d["threshold"]))


def speaks_to_the_bot(sentence: str) -> bool:
    """True for a sentence written to steer a chatbot (prompt injection), not to inform a reader:
    the shipped model's judgement, or before one was trained, two signs or more."""
    model = shipped_model()
    return model.flags(sentence) if model is not None else len(signs(sentence)) >= 2


_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def sentences(text: str) -> list[str]:
    """The text cut into the sentences this check judges (to 。！？ or a line end)."""
    return _SENTENCE.findall(text)


def without_bot_sentences(text: str) -> str:
    """The text with every sentence that speaks to the bot left out (what may support an answer)."""
    return "".join(s for s in sentences(text) if not speaks_to_the_bot(s))
