"""政策匹配 on the seed index: places nest and never cross, every field is read from its paragraph,
conditions the profile decides are decided, and the checklist exports."""

import csv
import io

import pytest

from rag.app.service import PolicyQA
from rag.match.export import to_csv, to_markdown
from rag.match.matching import Profile, UnknownNeed, parse_facts
from rag.match.measures import measures_of
from rag.search.places import Places, path_of, upward
from rag.types import Chunk
from tests.conftest import PINGHU, SHILING

GUANGZHOU = "001_4cc97f4c278e948c.txt"
BAIYUN = "002_3ece8e73cf75ce2e.txt"
LUCHENG = "004_5c0ad6af60aa3ab1.txt"
REGIONS = ["广州市花都区狮岭镇", "广州市", "广州市白云区", "平湖市", "温州市鹿城区"]


def test_places_are_completed_from_the_documents_and_nest() -> None:
    places = Places(REGIONS)
    assert path_of("广州市花都区狮岭镇") == ("广州市", "花都区", "狮岭镇")
    shiling = ("广东省", "广州市", "花都区", "狮岭镇")
    assert places.resolve("狮岭镇") == shiling and places.resolve("花都区狮岭镇") == shiling
    assert places.resolve("温州鹿城") == ("浙江省", "温州市", "鹿城区")
    assert places.resolve("广州市番禺区") == ("广东省", "广州市", "番禺区")
    assert places.resolve("浙江省平湖市") == places.resolve("嘉兴平湖") == ("浙江省", "嘉兴市", "平湖市")
    assert places.covers(upward(("广州市",)), shiling) and places.covers(shiling, shiling)
    assert not places.covers(upward(("广州市", "白云区")), shiling)  # a sibling district
    assert not places.covers(shiling, upward(("广州市",)))  # a town's measures are not the whole city's
    assert not places.covers(upward(("平湖市",)), shiling)
    assert places.resolve("东莞市厚街镇") == ("广东省", "东莞市", "厚街镇")


def shiling_of(places: Places) -> tuple[str, ...]:
    return places.resolve("狮岭")


def test_a_province_covers_its_cities_and_towns_and_no_other() -> None:
    places = Places(REGIONS + ["广东省"])
    guangdong = places.resolve("广东省")
    assert guangdong == ("广东省",)
    for town in ("狮岭", "广州市白云区石井街", "东莞市厚街镇", "深圳市南山区"):
        assert places.covers(guangdong, places.resolve(town)), town
    for elsewhere in ("嘉兴平湖", "温州市瓯海区", "浙江省"):
        assert not places.covers(guangdong, places.resolve(elsewhere)), elsewhere
    nationwide = Places(REGIONS + ["全国"]).resolve("全国")
    assert places.covers(nationwide, places.resolve("东莞市厚街镇")) and places.covers(nationwide, shiling_of(places))
    # a name two provinces have is placed only when the text says which
    assert upward(("白云区",)) == ("白云区",) and upward(("广州市", "白云区"))[0] == "广东省"
    assert upward(("吉林市", "船营区")) == ("吉林省", "吉林市", "船营区")
    assert upward(("浙江省", "平湖市")) == ("浙江省", "嘉兴市", "平湖市")  # a level skipped is filled in


def test_a_place_named_like_a_known_one_elsewhere_is_not_it() -> None:
    places = Places(REGIONS)
    for elsewhere, province in (("广东省深圳市龙岗区平湖街道", "广东省"), ("杭州市鹿城路", "浙江省")):
        path = places.resolve(elsewhere)
        assert path[0] == province and not any(places.covers(d, path) for d in places.paths), path
    assert places.resolve("平湖街道") == ("平湖街道",)  # a street is no 平湖市
    assert upward(("太平镇",)) == ("太平镇",)  # towns are below the table: never a 太平区 elsewhere


def test_a_shiling_leather_maker_gets_guangzhou_and_shiling_measures_only(seed_qa: PolicyQA) -> None:
    result = seed_qa.match(Profile("花都区狮岭镇", "皮具", ("展会", "人才")))
    assert result.matches and not result.notice
    docs = {m.measure.doc_id for m in result.matches}
    assert docs <= {SHILING, GUANGZHOU} and SHILING in docs
    assert [m.need for m in result.matches] == sorted((m.need for m in result.matches), key=("展会", "人才").index)
    for m in result.matches:
        doc = seed_qa.document(m.measure.doc_id)
        assert doc.text[m.measure.start:m.measure.end].strip() == m.measure.text  # the span is the sentence
        c = m.citation
        assert doc.text[c.start:c.end] == c.text and c.start <= m.measure.start < m.measure.end <= c.end
        for amount in m.measure.amounts:
            assert amount in m.measure.text  # copied, never computed
        assert m.need in m.measure.needs and m.fit in ("符合", "可能符合", "不符合")


def test_other_places_and_unknown_places(seed_qa: PolicyQA) -> None:
    pinghu = seed_qa.match(Profile("浙江省平湖市", "箱包", ("资金",)))
    assert {m.measure.doc_id for m in pinghu.matches} <= {PINGHU}
    assert all(m.citation.caution() for m in pinghu.matches)  # a draft: said on every measure
    lucheng = seed_qa.match(Profile("温州鹿城", "皮鞋"))
    assert lucheng.matches and {m.measure.doc_id for m in lucheng.matches} == {LUCHENG}
    baiyun = seed_qa.match(Profile("白云区", "女装"))
    assert {m.measure.doc_id for m in baiyun.matches} <= {BAIYUN, GUANGZHOU}
    nowhere = seed_qa.match(Profile("东莞市厚街镇", "鞋"))
    assert not nowhere.matches and "东莞" in nowhere.notice
    with pytest.raises(UnknownNeed, match="旅游"):
        seed_qa.match(Profile("狮岭镇", "皮具", ("旅游",)))


def test_conditions_the_profile_decides() -> None:
    chunk = Chunk("x.txt", 0, 60, "对规模以上企业实施技术改造的，给予设备投资额10%的补助，最高不超过200万元。")
    (measure,) = measures_of([chunk])
    assert measure.amounts == ("10%", "最高不超过200万元") and "数字化" in measure.needs and "资金" in measure.needs
    from rag.match.fit import fit_of as _fit

    assert _fit(measure, {"规上": True})[0] == "符合"
    assert _fit(measure, {"规上": False})[0] == "不符合"
    assert _fit(measure, {})[0] == "可能符合"
    (plain,) = measures_of([Chunk("x.txt", 0, 30, "组织企业参加广交会等展会，给予展位费补贴。")])
    assert _fit(plain, {"规上": True}) == ("可能符合", "文件未写明适用条件，请以原文为准")  # nothing decided
    assert parse_facts(["规上=true", "营收万元=3000"]) == {"规上": True, "营收万元": 3000.0}
    with pytest.raises(ValueError, match="人数"):
        parse_facts(["人数=3"])


def test_reliefs_state_how_long_and_how_much_as_written() -> None:
    text = "对中小企业，社会保险费缓缴3个月，房产税减半征收，贷款利率下调0.5个百分点，亏损结转年限延长至8年。"
    (measure,) = measures_of([Chunk("x.txt", 0, len(text), text)])
    assert measure.amounts == ("3个月", "减半", "0.5个百分点", "8年")
    # a year, a plan's span and a condition are no amounts
    from rag.match.measures import amounts_in

    assert amounts_in("2020年起实施三年行动计划，招用失业6个月以上人员的给予补贴") == ()
    assert amounts_in("二○二一年上半年，对毕业2年内的高校毕业生，第二年起一年一评") == ()
    assert amounts_in("疫情结束后3个月内补缴，最长不超过6个月") == ("3个月", "最长不超过6个月")
    # reliefs are named by what they relieve, too
    from rag.match.measures import needs_of

    assert needs_of("对一时还不上贷款的小店，银行可以展期。") == ("融资",)
    assert needs_of("今年应纳的所得税可减半。") == ("资金",)


def test_a_measure_for_other_trades_is_not_listed_for_this_one() -> None:
    from rag.match.industries import names_other_sector, sectors

    assert sectors("餐饮") == {"住宿餐饮"} and sectors("女鞋") == {"制造业"} and sectors("软件") == set()
    lodging = "对餐馆、旅游等行业的企业发一次补贴。"
    assert names_other_sector(lodging, sectors("皮鞋")) and not names_other_sector(lodging, sectors("酒店"))
    assert names_other_sector("对物流企业发放补贴。", sectors("软件"))  # a trade in no sector: not its measure
    assert sectors("鞋店") == {"批发零售"} and sectors("物流") == sectors("交通运输")
    # a trade named as a service on offer, as a body, or beside every firm is no limit on who benefits
    for every in ("完善配套物流等方式打通销售渠道。", "由市农业农村局、中国农业银行负责。",
                  "对餐饮、物流等行业和所有中小微企业减免租金。"):
        assert not names_other_sector(every, sectors("箱包")), every


def test_targets_and_statistics_are_not_measures() -> None:
    text = "到2026年，箱包产业规上工业总产值达到50亿元以上。全镇现有皮具企业8000余家。组织企业参加广交会等展会。"
    assert [m.text for m in measures_of([Chunk("x.txt", 0, len(text), text)])] == ["组织企业参加广交会等展会。"]


def test_the_checklist_exports(seed_qa: PolicyQA) -> None:
    result = seed_qa.match(Profile("狮岭镇", "皮具", ("展会",)))
    md = to_markdown(result)
    assert md.startswith("# 政策匹配清单") and "## 展会" in md and "出处：《" in md
    rows = list(csv.reader(io.StringIO(to_csv(result).lstrip("\ufeff"))))
    assert rows[0][0] == "需求" and len(rows) == len(result.matches) + 1
    assert all(r[-1].startswith((SHILING, GUANGZHOU)) for r in rows[1:])


def test_a_documents_measures_are_kept_per_version_and_listed_for_the_admin(seed_qa: PolicyQA) -> None:
    from ui.match_render import measures_markdown

    first = seed_qa.matcher.measures(SHILING)
    assert first and all(m.doc_id == SHILING for m in first)
    assert seed_qa.matcher.measures(SHILING) is first  # unchanged document: not extracted again
    listing = measures_markdown(first)
    assert listing.startswith(f"**政策措施（{len(first)} 条") and first[0].text[:10] in listing
    assert "没有识别出" in measures_markdown([])


def test_the_documents_around_a_place() -> None:
    from rag.search.places import Coverage

    cover = Coverage({"gz": ["广州市"], "by": ["广州市白云区"], "sl": ["广州市花都区狮岭镇"], "ph": ["平湖市"],
                      "any": [], "two": ["平湖市", "温州市鹿城区"]})
    # the places that contain it, and the documents that name no place
    assert cover.docs_around(["白云区"]) == ["any", "by", "gz"]
    # and those within it: 狮岭's document is about 花都区 too
    assert cover.docs_around(["花都"]) == ["any", "gz", "sl"]
    assert cover.docs_around(["鹿城"]) == ["any", "two"]
    assert cover.docs_around(["平湖", "白云区"]) is None  # two branches: no single place
    assert cover.docs_around(["东莞市"]) == ["any"] and cover.docs_around([]) is None
    assert cover.covers("sl", ("广东省", "广州市", "花都区", "狮岭镇")) and not cover.covers("sl", ("广东省", "广州市"))
