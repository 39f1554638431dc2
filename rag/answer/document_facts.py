"""Questions about a document itself — who issued it, when, whether it is final, until when it runs —
answered from its manifest entry and cited to the document's opening paragraph.

A passage of the body rarely states these (the status of a 讨论稿 is in the notice around it, the
issuer in a letterhead), so quoting the best-matching sentence gave an unrelated quote.
"""

from __future__ import annotations

import re
from typing import Any

# intent -> how a question asks it
INTENTS: dict[str, re.Pattern[str]] = {
    "issuer": re.compile(r"谁发[的布]|谁印发|谁出台|谁制定|哪个(?:部门|单位|机关)(?:发布|印发|出台|制定|发的)|"
                         r"发文(?:单位|机关|部门)|发布(?:单位|机关|部门)|印发(?:单位|机关|部门)|"
                         r"who (?:issued|published|wrote|released)|issued by|which (?:department|agency|body) "
                         r"(?:issued|published|released)", re.I),
    "status": re.compile(r"正式(?:发布|印发|文件|出台|生效)|征求意见稿|讨论稿|草案|定稿|还有效|是否有效|有效吗|"
                         r"生效了?吗|\bofficial\b|\bdraft\b|\bin force\b|\bfinal version\b", re.I),
    "valid": re.compile(r"到期|有效期|执行期|实施期|期限到|截止到哪|什么时候结束|哪年结束|管到哪年|执行到|实施到|"
                        r"适用到|\bexpire|valid until|valid till|how long .*valid|period of validity|until when", re.I),
    "date": re.compile(r"(?:什么时候|何时|哪天|哪一天|哪年|几月|什么时间)(?:发布|印发|出台|发的|公布|制定|答复)|"
                       r"(?:发布|印发|出台|成文|落款|答复)(?:时间|日期)|"
                       r"when (?:was|were) (?:it|this|the \w+(?: \w+)?) (?:issued|published|released)|date of issue",
                       re.I),
}


# A question about applying (申报什么时候截止) or about what a draft says (讨论稿中对人才有什么补贴)
# is about the content, not about the document.
_CONTENT = re.compile(r"申报|申请|报名|受理|认定|资格|补贴|补助|奖励|措施|规定了|有什么|有哪些|哪些|什么内容|"
                      r"apply|application|subsid|measure", re.I)


def intent_of(question: str) -> str | None:
    """Which property of a document the question asks about, if it asks about one."""
    if _CONTENT.search(question):
        return None
    for intent, pattern in INTENTS.items():
        if pattern.search(question):
            return intent
    return None


def _period_end(period: str) -> str:
    years = re.findall(r"(?:19|20)\d\d", period)
    return years[-1] if years else ""


def fact_sentence(intent: str, meta: dict[str, Any], english: bool = False) -> tuple[str, bool]:
    """(sentence, stated) for one document: stated is False when the manifest has no such entry."""
    title = str(meta.get("title") or "")
    issuer, date = str(meta.get("issuer") or ""), str(meta.get("date") or "")
    status, period = str(meta.get("status") or ""), str(meta.get("valid_period") or "")
    if intent == "issuer":
        if not issuer:
            return (f"《{title}》未写明发布单位。", False) if not english else (
                f"The document “{title}” does not name its issuer.", False)
        return (f"《{title}》由{issuer}发布" + (f"，日期{date}" if date else "") + "。",
                True) if not english else (f"“{title}” was issued by {issuer}" + (f" on {date}" if date else "") + ".",
                                           True)
    if intent == "date":
        if not date:
            return (f"《{title}》未写明日期。", False) if not english else (
                f"The document “{title}” states no date.", False)
        return (f"《{title}》的日期是{date}" + (f"（{issuer}）" if issuer else "") + "。", True) if not english else (
            f"“{title}” is dated {date}" + (f" ({issuer})" if issuer else "") + ".", True)
    if intent == "status":
        if not status:
            return (f"《{title}》未注明文件状态。", False) if not english else (
                f"The status of “{title}” is not recorded.", False)
        draft = any(w in status for w in ("讨论稿", "征求意见", "草案", "草稿"))
        zh = f"《{title}》的状态是：{status}" + ("，不是正式发布的文件。" if draft else "。")
        en = f"The status of “{title}” is: {status}" + (" (a draft, not an officially issued document)." if draft
                                                          else ".")
        return (en if english else zh), True
    if intent == "valid":
        if not period:
            return (f"《{title}》没有写明有效期或执行期。", False) if not english else (
                f"“{title}” states no period of validity.", False)
        end = _period_end(period)
        zh = f"《{title}》的执行期是{period}" + (f"，到{end}年底结束。" if end else "。")
        en = f"“{title}” covers {period}" + (f", ending with {end}." if end else ".")
        return (en if english else zh), True
    raise ValueError(f"unknown intent {intent!r}")
