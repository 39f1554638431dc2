"""Industries as owners name them and as documents list them: one family of words per industry, and
时尚 (fashion) over the families it spans."""

from __future__ import annotations

import re
from functools import lru_cache

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


# Sectors (the top groups of the national classification of industries, as notices name them when a
# measure is for some trades only: "对餐饮、旅游等行业企业…"): a measure that names only sectors other
# than the business's is not for it.
SECTORS: dict[str, str] = {
    "住宿餐饮": r"住宿|酒店|宾馆|民宿|餐饮|餐馆|饭店|酒楼|外卖",
    "旅游": r"旅游|旅行社|景区",
    "交通运输仓储邮政": r"交通运输|客运|货运|公交|出租车|航空|民航|物流|快递|仓储|邮政",
    "批发零售": r"零售|批发|商超|超市|商场|便利店|商贸|农贸市场",
    "文化体育娱乐": r"文体娱乐|文化娱乐|娱乐|影院|影视|演出|体育|健身",
    "制造业": r"制造|工业企业|生产企业|工厂|规上工业|加工企业",
    "建筑业": r"建筑业|建筑企业|建筑施工|施工企业",
    "农业": r"农业|农产品|养殖|种植|春耕|涉农|畜牧|渔业|农户|农民专业合作社",
    "防疫物资": r"防疫物资|防控物资|医用物资|医疗物资|重点保障企业|口罩|防护服|消毒用品",
}
_SECTOR_PATTERNS = {name: re.compile(words) for name, words in SECTORS.items()}
_MAKES = re.compile(r"制造|生产|加工|厂")
_SELLS = re.compile(r"(?<![酒饭])店|零售|批发|商贸|销售|专卖")
# a sector word as who benefits: it ends in one (交通运输企业, 旅行社, 农户, 餐饮业) or one follows in its clause
_WHO_ITSELF = re.compile(r"(?:企业|业|社|户)$")
_WHO = re.compile(r"业|[^，。；：,;:]{0,16}?(?:企业|行业|商户|单位|经营者|个体工商户|业户|门店|从业)")
# ... and not as part of a body's name (农业农村局, 文化广电旅游体育局, 农业银行, 邮政储蓄银行)
_BODY = re.compile(r"[^，。；：、,;:]{0,4}?(?:局|厅|委|部门|办公室|银行)")
_EVERY_FIRM = re.compile(r"(?:所有|各类|全部|各行各业|广大)[^，。；]{0,6}(?:企业|市场主体|商户)")


def sectors(industry: str) -> set[str]:
    """The sectors of a business ("餐饮" -> 住宿餐饮; a maker of 鞋 or 服装 -> 制造业, a 鞋店 -> 批发零售);
    none when its industry names none."""
    text = (industry or "").strip()
    found = {name for name, p in _SECTOR_PATTERNS.items() if p.search(text)}
    sells = bool(_SELLS.search(text))
    if sells:
        found.add("批发零售")
    if _MAKES.search(text) or (not sells and any(w in text for f in FAMILIES for w in f)):
        found.add("制造业")
    return found


@lru_cache(maxsize=65536)  # a measure's sentence is read again for every profile matched
def sectors_for(sentence: str) -> frozenset[str]:
    """The sectors a measure is limited to, as who benefits ("…旅游等行业企业", "物流企业"); none when it
    names none, names them only as a service on offer (物流配送) or a body (农业农村局), or is for every
    firm ("…物流等行业和所有中小微企业")."""
    if _EVERY_FIRM.search(sentence):
        return frozenset()
    return frozenset(name for name, p in _SECTOR_PATTERNS.items()
                     if any((_WHO_ITSELF.search(m.group(0)) or _WHO.match(sentence, m.end()))
                            and not _BODY.match(sentence, m.end()) for m in p.finditer(sentence)))


def names_other_sector(sentence: str, own: set[str]) -> bool:
    """A measure for other sectors only (住宿餐饮 and 旅游, for a shoe maker; any, for a business whose
    trade is in no sector, such as 软件)."""
    named = sectors_for(sentence)
    return bool(named) and not named & own
