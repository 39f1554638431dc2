"""Everyday words for policy terms: what a business owner says ("牌子", "技工", "给钱") next to what
the documents say ("品牌", "技能人才", "资金扶持"). Added to the keyword search of a question that
uses them; never shown, never keyed to particular questions."""

from __future__ import annotations

# everyday word -> the documents' terms
COLLOQUIAL: dict[str, str] = {
    # money
    "给钱": "资金 补贴 奖励", "补钱": "补贴 补助", "发钱": "补贴 奖励", "钱": "资金 补贴",
    "补多少": "补贴标准 补助", "奖多少": "奖励标准", "贷款难": "融资 贷款", "借钱": "融资 贷款",
    "减税": "税收优惠 减免", "免税": "税收优惠 减免", "少交税": "税收优惠 减免",
    "租金便宜": "租金优惠", "房租": "租金", "便宜": "优惠",
    # premises and land
    "地方不够": "用地 空间 厂房", "地不够": "用地 空间", "没地": "用地 空间", "场地": "用地 场地 载体",
    "厂房": "厂房 载体 空间", "盖厂房": "厂房 建设 用地", "加层": "增容 容积率", "扩建": "扩建 增容 技改",
    # people
    "招不到人": "用工 招聘 人才", "招工难": "用工 招聘 人才", "招人": "招聘 用工 人才", "缺人": "用工 人才",
    "技工": "技能人才 技术工人 职业技能", "熟练工": "技能人才 技术工人", "老师傅": "技能人才 工匠",
    "师傅": "技能人才 工匠", "学徒": "职业技能 培训", "工人": "员工 技能人才", "设计师": "设计人才 设计",
    "大学生": "高校毕业生 人才", "留不住人": "留住人才 引才", "人才补贴": "人才 补贴 奖励",
    # markets
    "牌子": "品牌", "自己的牌子": "自主品牌", "打牌子": "品牌建设", "做代工": "代工 OEM 贴牌",
    "代工": "代工 OEM 贴牌", "贴牌": "贴牌 OEM 代工", "国外": "境外 海外 国际 出口", "外国": "境外 海外",
    "卖到国外": "出口 境外 海外 外贸", "出国": "境外 海外", "老外": "境外 外贸", "外贸单": "外贸 出口 订单",
    "网上卖": "电商 电子商务 线上", "网店": "电商 电子商务", "开网店": "电商 电子商务", "带货": "直播电商",
    "直播卖货": "直播电商", "摆摊": "展会 参展", "参展": "展会 参展 展位", "摊位": "展位",
    "订单少": "订单 市场", "没订单": "订单 市场",
    # production and technology
    "上系统": "数字化 信息化", "搞数字化": "数字化 转型 改造", "上设备": "设备 技术改造",
    "换设备": "设备更新 技术改造", "机器换人": "自动化 智能化 改造", "自动化": "自动化 智能制造",
    "派人来": "服务 诊断 指导", "上门": "服务 诊断", "帮我们看看": "诊断 咨询 服务", "出主意": "咨询 指导",
    "厂": "企业 工厂", "工厂": "企业 工厂", "小厂": "中小企业 企业", "作坊": "小微企业 企业",
    "老板": "企业", "公司": "企业", "开厂": "投资 设立企业", "办厂": "投资 设立企业",
    # procedure
    "怎么申请": "申报 申请 条件", "去哪申请": "申报 受理 部门", "找谁": "联系人 联系电话 部门",
    "问谁": "联系人 联系电话", "打电话": "联系电话 电话", "啥时候": "时间 期限", "多久": "期限 时间",
    "有啥": "哪些", "啥": "什么", "咋": "怎么",
}
_ORDER = sorted(COLLOQUIAL, key=len, reverse=True)


def formal_terms(question: str) -> list[str]:
    """The documents' terms for the everyday words in a question (longest match first)."""
    rest, out = question, []
    for word in _ORDER:
        if word in rest:
            out += [t for t in COLLOQUIAL[word].split() if t not in question]
            rest = rest.replace(word, " ")
    return list(dict.fromkeys(out))
