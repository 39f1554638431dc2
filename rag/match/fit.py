"""How well a measure fits a business: the size facts a profile may give (规上, 营收万元, 员工数, 成立年限),
checked, and the conditions of a measure they decide (规上 only, 营收 thresholds, newly set up):
符合 / 不符合 with the reason; any other condition, or none stated, is shown, not guessed (可能符合)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rag.match.measures import Measure

FACTS = ("规上", "营收万元", "员工数", "成立年限")


def check_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """The size facts of a profile, refused naming the field when unknown or of the wrong type."""
    for key, value in facts.items():
        if key not in FACTS:
            raise ValueError(f"facts.{key}: unknown (known: {', '.join(FACTS)})")
        if key == "规上" and not isinstance(value, bool):
            raise ValueError("facts.规上: true or false")
        if key != "规上" and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise ValueError(f"facts.{key}: a number ≥ 0")
    return dict(facts)


def parse_facts(pairs: Iterable[str]) -> dict[str, Any]:
    """"规上=true", "营收万元=3000" -> {"规上": True, "营收万元": 3000.0}; an unknown name or value is
    refused naming it."""
    facts: dict[str, Any] = {}
    for pair in pairs:
        key, _, value = (x.strip() for x in pair.partition("="))
        if key not in FACTS:
            raise ValueError(f"unknown fact {key!r} (known: {', '.join(FACTS)})")
        if key == "规上":
            if value.lower() not in ("true", "false", "是", "否"):
                raise ValueError(f"规上 must be true or false, not {value!r}")
            facts[key] = value.lower() in ("true", "是")
        else:
            try:
                facts[key] = float(value)
            except ValueError:
                raise ValueError(f"{key} must be a number, not {value!r}") from None
    return facts


def fit_of(measure: Measure, facts: dict[str, Any]) -> tuple[str, str]:
    """符合 / 可能符合 / 不符合 from what the profile says, and why: 符合 only when a condition the profile
    decides is met."""
    text = measure.text
    if re.search(r"规模以上|规上", text):
        if facts.get("规上") is True:
            return "符合", "要求规上企业，您是规上企业"
        if facts.get("规上") is False:
            return "不符合", "要求规上企业，您填写的是规下企业"
        return "可能符合", "要求规上企业，请核对"
    m = re.search(r"(?:营收|营业收入|主营业务收入|销售收入)[^，。；\d]{0,8}(\d+(?:\.\d+)?)\s*(万|亿)元以上", text)
    if m:
        need = float(m.group(1)) * (10000 if m.group(2) == "亿" else 1)
        have = facts.get("营收万元")
        if isinstance(have, int | float):
            ok = have >= need
            return ("符合" if ok else "不符合"), f"要求营收{m.group(1)}{m.group(2)}元以上，您填写{have:g}万元"
        return "可能符合", f"要求营收{m.group(1)}{m.group(2)}元以上，请核对"
    if re.search(r"新设立|新注册|新成立|新落户", text):
        years = facts.get("成立年限")
        if isinstance(years, int | float):
            return ("符合", "面向新设立企业") if years <= 1 else ("不符合", f"面向新设立企业，您已成立{years:g}年")
        return "可能符合", "面向新设立企业，请核对"
    if measure.conditions:
        return "可能符合", "文件写有适用条件，请核对"
    # nothing the profile decides: whether the business qualifies is the document's to say, not a guess
    return "可能符合", "文件未写明适用条件，请以原文为准"
