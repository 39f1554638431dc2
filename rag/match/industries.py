"""Industries as owners name them and as documents list them: one family of words per industry, and
时尚 (fashion) over the families it spans."""

from __future__ import annotations

FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"皮具", "箱包", "手袋", "皮革", "皮包", "拉杆箱", "钱包", "背包", "旅行箱"}),
    frozenset({"鞋", "皮鞋", "童鞋", "鞋业", "鞋类", "运动鞋", "女鞋", "男鞋", "制鞋"}),
    frozenset({"服装", "女装", "男装", "童装", "服饰", "成衣", "内衣", "牛仔", "纺织", "制衣"}),
    frozenset({"珠宝", "首饰", "黄金", "钻石"}),
    frozenset({"化妆品", "美妆", "日化"}),
    frozenset({"眼镜"}),
    frozenset({"钟表", "手表"}),
)
FASHION = "时尚"  # a document on 时尚产业 speaks to every family above


def family(industry: str) -> set[str]:
    """The words of the families an industry name belongs to ("女装" -> the clothing family);
    时尚 -> every family; an industry no family knows stands for itself."""
    text = (industry or "").strip()
    if not text:
        return set()
    if FASHION in text:
        return set().union(*FAMILIES) | {FASHION}
    found = [f for f in FAMILIES if any(w in text for w in f)]
    return set().union(*found) if found else {text}


def names_other_industry(sentence: str, wanted: set[str]) -> bool:
    """A sentence about another industry only (珠宝 in a fashion plan, for a leather-goods maker)."""
    others = [f for f in FAMILIES if not f & wanted and any(w in sentence for w in f)]
    return bool(others) and not any(w in sentence for w in wanted)
