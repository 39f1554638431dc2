"""The measure model's two decisions as the finder uses them: whether a sentence is a measure, and
which of the needs its words name it serves (never a need it does not name, always one)."""

from rag.match.measure_model import MeasureModel, need_features
from rag.match.measures import _NEED_PATTERNS, judge, needs_of, rule_offer

LIVE = ("依托政策直播间、工业互联网进集群等活动,为中小微企业提供咨询诊断服务,引导中小微企业加快关键工序数控化等"
        "数字化改造。")
TARGET = "到2026年，时尚产业集群营业收入达到3000亿元，打造一批数字化转型标杆企业。"


def test_without_a_model_the_rule_decides() -> None:
    for sentence in (LIVE, TARGET):
        assert judge(sentence, "", None) == (needs_of(sentence) if rule_offer(sentence) else ())
    assert judge(TARGET, "", None) == ()


def test_the_need_model_keeps_the_needs_the_offer_serves() -> None:
    assert set(needs_of(LIVE)) >= {"展会", "数字化"}
    means = need_features(LIVE, "展会", _NEED_PATTERNS["展会"], 2)
    assert means["n:means"] == 1.0 and means["n:last_clause"] == 0.0  # 直播 only names the means
    # a model that trusts the last clause and distrusts a means: 数字化 stays, 展会 goes
    model = MeasureModel({}, 0.0, 0.5, {}, {"n:means": -3.0, "n:last_clause": 3.0}, 0.0, 0.5, by_rule=True)
    assert judge(LIVE, "", model) == ("数字化",)
    # when it keeps none, the likeliest named need remains: a measure serves some need
    doubtful = MeasureModel({}, 0.0, 0.5, {}, {"n:means": -3.0}, -5.0, 0.5, by_rule=True)
    assert judge(LIVE, "", doubtful) in (("数字化",), ("展会",))
    assert judge(TARGET, "", model) == ()  # the rule still says what is a measure


def test_the_measure_model_decides_when_it_is_not_by_rule() -> None:
    never = MeasureModel({}, -10.0, 0.5, {})
    always = MeasureModel({}, 10.0, 0.5, {})
    assert judge(LIVE, "", never) == () and judge(TARGET, "", always) == needs_of(TARGET)
    assert MeasureModel.from_json(always.to_json()) == always


def test_the_model_reads_a_proposal_said_before_the_sentence_in_its_paragraph() -> None:
    training = "开展“订单式”人才培养,为服装企业发展提供人才支撑。"
    proposed = "李念良还建议,加强校政企深度合作。"
    wary = MeasureModel({"s:after_proposal": -20.0}, 10.0, 0.5, {})
    assert judge(training, "", wary) == ("人才",)  # alone it is a measure
    assert judge(training, "", wary, context=proposed) == ()  # a deputy's proposal is none
    # the finder gives each sentence its paragraph before it
    from rag.match.measures import measures_of
    from rag.types import Chunk

    text = proposed + training
    chunk = Chunk(doc_id="d", start=0, end=len(text), text=text)
    assert [m.text for m in measures_of([chunk], wary)] == []
    assert [m.text for m in measures_of([chunk], MeasureModel({}, 10.0, 0.5, {}))] == [training]
