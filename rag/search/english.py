"""English questions without an LLM: a Chinese gloss for keyword search.

The documents are Chinese, so an English question shares no words with them and BM25 finds
nothing; the dense side alone often lands in the right document but not the right paragraph. The
gloss adds Chinese search terms: the place names of the indexed documents (matched by their pinyin,
e.g. "Pinghu" -> 平湖) and a fixed glossary of general industrial-policy vocabulary. It is never
shown to the user and never keyed to particular questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# General vocabulary of enterprise-support policy: funding, land, talent, digitalisation, trade
# fairs, taxes, industries, procedure. English phrase (lower case, singular) -> Chinese terms.
GLOSSARY: dict[str, str] = {
    # money and support
    "subsidy": "补贴 补助", "grant": "补助 资助", "funding": "资金 扶持", "fund": "资金 基金",
    "financial support": "资金扶持 财政支持", "special fund": "专项资金", "support": "支持 扶持",
    "reward": "奖励", "award": "奖励 奖项", "bonus": "奖励", "loan": "贷款", "interest": "利息 贴息",
    "financing": "融资", "guarantee": "担保", "insurance": "保险", "investment": "投资 招商",
    "tax": "税收 税", "tax relief": "减税 税收优惠", "fee": "费用", "cost": "成本 费用",
    "rent": "租金", "lease": "租赁 租期", "lease term": "租期", "price": "价格",
    # land and premises
    "land": "用地 土地", "factory": "厂房 工厂", "plant": "厂房 工厂", "workshop": "车间 厂房",
    "building": "楼宇 厂房", "floor area": "建筑面积", "plot ratio": "容积率", "industrial park": "产业园 园区",
    "park": "园区 产业园", "base": "基地", "acre": "亩", "mu": "亩", "square metre": "平方米",
    "square kilometre": "平方公里", "property": "物业 房产",
    # people
    "talent": "人才", "high-level talent": "高层次人才", "skilled worker": "技能人才 技工",
    "technician": "技工 技术人员", "worker": "工人 员工", "employee": "员工 职工", "training": "培训 培养",
    "train": "培训 培养", "vocational": "职业", "education": "教育", "university": "高校 大学",
    "college": "院校 学院", "school": "学校 院校", "student": "学生", "graduate": "毕业生",
    "recruitment": "招聘 引进", "job fair": "招聘会", "position": "岗位", "job": "岗位 就业",
    "employment": "就业", "master": "大师 名师", "designer": "设计师", "expert": "专家", "team": "团队",
    "housing": "住房 人才公寓", "integration of industry and education": "产教融合",
    # digital and technology
    "digital": "数字化", "digitalisation": "数字化", "digitalization": "数字化", "digitization": "数字化",
    "transformation": "转型 改造", "upgrade": "升级 改造", "upgrading": "升级 改造",
    "smart manufacturing": "智能制造 智造", "intelligent": "智能", "smart": "智能 智慧",
    "industrial internet": "工业互联网", "platform": "平台", "software": "软件", "data": "数据",
    "technology": "技术 科技", "innovation": "创新", "research and development": "研发",
    "r&d": "研发", "patent": "专利", "intellectual property": "知识产权", "standard": "标准",
    "quality": "质量", "certification": "认证", "testing": "检测", "lighthouse factory": "灯塔工厂",
    "e-commerce": "电商 电子商务", "live streaming": "直播", "livestream": "直播", "online": "线上 网络",
    "green": "绿色", "environmental": "环保", "energy": "能源 节能", "automation": "自动化",
    "equipment": "设备 装备", "production line": "生产线",
    # markets and trade
    "exhibition": "展会 展览", "trade fair": "展会 博览会", "fair": "展会 博览会", "expo": "博览会 展会",
    "booth": "展位", "brand": "品牌", "own brand": "自主品牌", "independent brand": "自主品牌",
    "time-honoured brand": "老字号", "time-honored brand": "老字号", "export": "出口 外贸",
    "overseas": "海外 境外", "abroad": "境外 国外", "international": "国际", "foreign": "国外 境外",
    "foreign trade": "外贸", "market": "市场", "market share": "市场份额", "share": "占比 份额",
    "proportion": "比例 占比", "percentage": "比例", "sale": "销售 销售额", "output value": "产值",
    "output": "产量 产值", "revenue": "营业收入 营收", "profit": "利润", "order": "订单",
    "oem": "代工 贴牌", "original equipment manufacturer": "代工", "consumption": "消费",
    "consumer": "消费者", "retail": "零售", "store": "门店 店铺", "logistics": "物流",
    "supply chain": "供应链", "industrial chain": "产业链", "chain": "链", "chain leader": "链主 链长",
    "cluster": "集群", "headquarters": "总部", "start-up": "创业 初创", "startup": "创业 初创",
    "entrepreneurship": "创业", "incubator": "孵化器 孵化", "key project": "重点项目",
    "project": "项目", "agreement": "协议 签约", "sign": "签约", "signed": "签约",
    # enterprises and industries
    "enterprise": "企业", "company": "企业 公司", "firm": "企业", "business": "企业 商家",
    "sme": "中小企业", "small and medium": "中小企业", "leading enterprise": "龙头企业",
    "state-owned": "国有 国企", "industry": "产业 行业", "sector": "行业 领域", "manufacturing": "制造",
    "manufacturer": "制造企业 厂家", "fashion": "时尚", "clothing": "服装", "apparel": "服装",
    "garment": "服装", "textile": "纺织", "shoe": "鞋 鞋业", "footwear": "鞋业 鞋类",
    "leather": "皮革 皮具", "leather goods": "皮具", "luggage": "箱包", "bag": "箱包 包", "handbag": "箱包",
    "jewelry": "珠宝 首饰", "jewellery": "珠宝 首饰", "cosmetic": "化妆品 美妆", "beauty": "美妆",
    "watch": "钟表", "glasses": "眼镜", "design": "设计", "product": "产品", "new product": "新产品",
    "production": "生产", "capacity": "产能", "scale": "规模", "output of": "产值",
    # procedure and documents
    "apply": "申报 申请", "application": "申报 申请", "declare": "申报", "eligibility": "条件 资格",
    "eligible": "符合条件", "condition": "条件", "requirement": "要求 条件", "material": "材料",
    "deadline": "截止 期限", "contact": "联系", "phone": "电话", "telephone": "电话", "hotline": "热线 电话",
    "email": "邮箱", "address": "地址", "feedback": "意见 反馈", "comment": "意见", "public": "公众 社会",
    "government": "政府", "department": "部门", "bureau": "局", "committee": "委员会",
    "policy": "政策", "measure": "措施", "plan": "计划 规划", "action plan": "行动计划",
    "opinion": "意见", "implementation opinion": "实施意见", "draft": "征求意见稿 草案",
    "notice": "通知", "proposal": "提案 建议", "reply": "答复", "target": "目标", "goal": "目标",
    "task": "任务", "mechanism": "机制", "service": "服务", "public service": "公共服务",
    # places and levels
    "town": "镇", "district": "区", "city": "市", "county": "县", "province": "省",
    "national": "全国 国家", "nationwide": "全国", "china": "全国 中国", "provincial": "省级",
    "municipal": "市级", "local": "本地 当地",
    # quantities
    "maximum": "最高", "at most": "最高", "up to": "最高", "minimum": "最低 不低于", "at least": "以上 不低于",
    "per": "每", "each": "每", "annual": "每年 年", "annually": "每年", "billion": "亿", "yuan": "元",
}

_WORD = re.compile(r"[a-z0-9][a-z0-9&'\-]*")
_YEAR = re.compile(r"\b(19|20)\d\d\b")
PLACE_SUFFIX = re.compile(r"(特别行政区|自治区|自治州|自治县|新区|省|市|区|县|镇|乡|街道|村)$")


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("ss", "sh", "ch", "x")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


@lru_cache(maxsize=1024)
def _pinyins(name: str) -> tuple[str, ...]:
    """Every reading of a name (花都: huadu, huadou), at most 16."""
    from itertools import islice, product

    from pypinyin import Style, pinyin

    readings = pinyin(name, style=Style.NORMAL, heteronym=True)
    return tuple("".join(r).lower() for r in islice(product(*readings), 16))


def place_names(places: Iterable[str]) -> dict[str, str]:
    """pinyin -> Chinese for the place names of the indexed documents ("广州市花都区狮岭镇" gives
    guangzhou, huadu, shiling)."""
    out: dict[str, str] = {}
    for place in places:
        for part in re.findall(r".+?(?:特别行政区|自治区|自治州|省|市|区|县|镇|乡|街道)|.+$", place):
            core = PLACE_SUFFIX.sub("", part)
            if len(core) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in core):
                for py in _pinyins(core):
                    out.setdefault(py, core)
    return out


def gloss(question: str, places: Iterable[str] = ()) -> list[str]:
    """Chinese search terms for an English question (empty when nothing is recognised)."""
    text = question.lower().replace("’", "'")
    words = [_singular(w.removesuffix("'s")) for w in _WORD.findall(text)]
    terms: list[str] = []
    i = 0
    while i < len(words):
        for n in (4, 3, 2, 1):  # the longest phrase first: "market share" before "market"
            phrase = " ".join(words[i : i + n])
            if len(words[i : i + n]) == n and phrase in GLOSSARY:
                terms += GLOSSARY[phrase].split()
                i += n
                break
        else:
            i += 1
    names = place_names(places)
    joined = "".join(words)
    for py, zh in names.items():
        if py in words or (len(py) >= 6 and py in joined):
            terms.append(zh)
    terms += [m.group(0) + "年" for m in _YEAR.finditer(text)]
    return list(dict.fromkeys(terms))


@lru_cache(maxsize=1)
def _dictionary_places() -> dict[str, int]:
    """The place names in jieba's dictionary (tag ns) with their frequency. Read once."""
    import os

    import jieba

    out: dict[str, int] = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "ns" and len(parts[0]) >= 2:
                out[parts[0]] = int(parts[1])
    return out


def dictionary_places() -> frozenset[str]:
    return frozenset(_dictionary_places())


@lru_cache(maxsize=1)
def _world_places() -> dict[str, str]:
    """pinyin -> Chinese for the commoner place names in jieba's dictionary, the most used one for
    each reading: 深圳 for shenzhen. ~0.4 s once."""
    from pypinyin import lazy_pinyin

    best: dict[str, tuple[int, str]] = {}
    for name, freq in _dictionary_places().items():
        if freq < 50:
            continue
        py = "".join(lazy_pinyin(name)).lower()
        if py.isalpha() and freq > best.get(py, (0, ""))[0]:
            best[py] = (freq, name)
    return {py: zh for py, (_, zh) in best.items()}


_CAPITALISED = re.compile(r"\b[A-Z][a-z]{4,}\b")


def places_named(question: str, places: Iterable[str] = ()) -> list[str]:
    """Chinese names of the places an English question names by their pinyin ("Shenzhen" -> 深圳),
    so a question about a place the documents never mention can be refused in English too. The
    indexed documents' own places (by their pinyin) come first; a word of the glossary is no place."""
    own = place_names(places)
    world = _world_places()
    out = []
    for word in _CAPITALISED.findall(question):
        w = word.lower()
        if w in GLOSSARY or _singular(w) in GLOSSARY:
            continue
        zh = own.get(w) or world.get(w)
        if zh:
            out.append(zh)
    return list(dict.fromkeys(out))
