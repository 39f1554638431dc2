"""The failure classes of answers on unseen questions, each with a test that fails without its fix:
Chinese numerals, places outside the corpus asked in English, questions about a document itself
and yes/no questions, fragment-free quotes, and history carried over only to elliptical follow-ups."""

from __future__ import annotations

import re
import shutil

import pytest

from rag.answer.answer_features import CONNECTIVE, is_fragment
from rag.answer.verification import verify
from rag.app.service import PolicyQA
from rag.numbers import canonical, same_figure, values
from rag.search.followup import condense, is_followup
from rag.settings import Settings
from tests.conftest import CORPUS, PINGHU, SHILING

LUCHENG = "004_5c0ad6af60aa3ab1.txt"

# -- Chinese numerals ---------------------------------------------------------------------------

@pytest.mark.parametrize("written, figure", [
    ("单个企业每年最高补助二十八万元", "28万元"), ("补助二十八万元", "280000元"),
    ("按展位费的百分之七十给予补助", "70%"),
    ("奖励两千元", "2000元"), ("２８ 万元", "28万元"), ("1.8 亿元", "1.8亿元"), ("二〇二四年四月", "2024年"),
    ("一千五百万元", "1500万元"), ("百分之七十五点五", "75.5%"),
])
def test_chinese_numerals_are_the_same_figure(written: str, figure: str) -> None:
    assert same_figure(figure, written)
    assert values(figure)[0] in values(written)


def test_numerals_inside_words_and_enumerators_stay_words() -> None:
    for text in ("统一标准", "万一", "一是加强", "十四五规划", "第三条"):
        assert not re.search(r"\d", canonical(text)), text
    assert not same_figure("29万元", "二十八万元")


def test_the_llm_check_accepts_a_figure_written_in_chinese_numerals_and_drops_a_wrong_one() -> None:
    v = verify("单个企业每年最高补助28万元[1]。展位费补助70%[1]。每家补助30万元[1]。",
               ["单个企业每年最高补助二十八万元，按展位费的百分之七十给予补助。"])
    assert "28万元" in v.text and "70%" in v.text
    assert v.sentences_dropped == 1 and "30万元" not in v.text


@pytest.fixture(scope="module")
def numeral_qa(tmp_path_factory: pytest.TempPathFactory, e5) -> PolicyQA:
    """The seed corpus plus a notice that writes its amounts in Chinese numerals."""
    base = tmp_path_factory.mktemp("numerals")
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "展会补助通知.txt").write_text(
        "关于支持企业参加境内外展会的通知\n"
        "一、支持对象\n在本市登记注册、参加境内外专业展会的中小企业。\n"
        "二、补助标准\n按展位费的百分之七十给予补助，单个企业每年最高补助二十八万元。\n"
        "三、申报时间\n每年三月一日至三月三十一日集中申报。\n", encoding="utf-8")
    qa = PolicyQA(Settings(corpus_dir=corpus, data_dir=base, index_dir=base / "index"), embedder=e5)
    assert qa.ingest().indexed == 6
    return qa


def test_amount_written_in_chinese_numerals_answers_an_amount_question(numeral_qa: PolicyQA) -> None:
    answer = numeral_qa.ask("参加展会，单个企业每年最高补助多少？")
    assert not answer.refused, answer.text
    assert "二十八万元" in answer.text and answer.citations[0].doc == "展会补助通知.txt"


def test_share_written_in_chinese_numerals_answers_a_percentage_question(numeral_qa: PolicyQA) -> None:
    answer = numeral_qa.ask("参展的展位费补助比例是多少？")
    assert not answer.refused, answer.text
    assert "百分之七十" in answer.text


# -- places outside the corpus, asked in English -------------------------------------------------

@pytest.mark.parametrize("question", [
    "What subsidies does Shenzhen offer to leather goods companies?",
    "How much support does Beijing give for trade fairs?",
])
def test_english_question_about_a_place_outside_the_corpus_is_refused(seed_qa: PolicyQA, question: str) -> None:
    answer = seed_qa.ask(question)
    assert answer.refused
    if "Shenzhen" in question:  # no document mentions it: the refusal says which place
        assert "现有文件未涉及深圳" in answer.text
    assert not answer.citations


def test_english_question_about_a_corpus_place_is_answered_with_an_english_lead_in(seed_qa: PolicyQA) -> None:
    answer = seed_qa.ask("What is Pinghu's target for the luggage industry's output value by 2026?")
    assert not answer.refused, answer.text
    first = answer.text.splitlines()[0]
    assert re.search(r"[A-Za-z]{4,}", first) and "quoted in Chinese" in first
    assert answer.citations[0].doc == PINGHU


# -- questions about the document itself; yes/no ------------------------------------------------

def test_status_question_is_answered_from_the_manifest(seed_qa: PolicyQA) -> None:
    answer = seed_qa.ask("平湖箱包实施意见是正式发布的吗？")
    assert not answer.refused
    assert "讨论稿" in answer.text and "不是正式发布" in answer.text
    cite = answer.citations[0]
    assert cite.doc == PINGHU and cite.start == 0  # the document's opening paragraph


def test_issuer_and_period_questions_are_answered_from_the_manifest(seed_qa: PolicyQA) -> None:
    issuer = seed_qa.ask("平湖箱包实施意见是谁发的？")
    assert "平湖市经济和信息化局" in issuer.text and issuer.citations[0].doc == PINGHU
    period = seed_qa.ask("广州时尚产业三年行动计划什么时候到期？")
    assert "2022-2024" in period.text and "2024" in period.text


def test_metadata_follow_up_is_about_the_document_of_the_previous_turn(seed_qa: PolicyQA) -> None:
    history = [{"role": "user", "content": "平湖对箱包设计人才有什么支持？"}, {"role": "assistant", "content": "……"}]
    answer = seed_qa.ask("这个文件是正式发布的吗？", history=history)
    assert answer.citations and answer.citations[0].doc == PINGHU and "讨论稿" in answer.text


def test_yes_no_question_about_support_says_whether_an_amount_is_written(seed_qa: PolicyQA) -> None:
    answer = seed_qa.ask("狮岭镇皮具企业有资金扶持吗？")
    assert not answer.refused
    lead = answer.text.splitlines()[0]
    assert lead in ("有。文件规定如下：", "文件提到了相关支持，但没有写明金额：")
    assert answer.citations


# -- fragment-free quotes -----------------------------------------------------------------------

OWN_QUESTIONS = [
    "狮岭镇皮具产业有哪些资金扶持？", "平湖对箱包设计人才有什么奖励？", "鹿城区鞋业数字化改造有什么措施？",
    "广州时尚产业集群行动计划怎么支持企业参展？", "白云区服装产业提案提出了哪些建议？", "平湖箱包企业上市有什么支持？",
    "狮岭怎么培养皮具技能人才？", "广州时尚产业的品牌建设有哪些举措？",
]


@pytest.mark.parametrize("question", OWN_QUESTIONS)
def test_quotes_are_whole_sentences_not_fragments(seed_qa: PolicyQA, question: str) -> None:
    answer = seed_qa.ask(question)
    for line in answer.text.splitlines():
        if not re.search(r"\[\d+\]$", line):
            continue  # a lead-in line
        quote = re.sub(r"\[\d+\]$", "", line)
        assert not is_fragment(re.sub(r"^【[^】]*】", "", quote)), line
        if CONNECTIVE.search(quote):  # "同时，…" leans on its heading: the heading is shown with it
            assert quote.startswith("【"), line


def test_fragment_lines_are_recognised() -> None:
    assert is_fragment("(牵头单位:市工业和信息化局,配合单位:市财政局)")
    assert is_fragment("三是推动鞋产业数字化联动。")
    assert is_fragment("（二）加大政策扶持。") and is_fragment("3.打造系列活动平台。")
    assert not is_fragment("三是推动鞋产业数字化联动，对完成数字化改造的企业给予补助。")
    assert not is_fragment("一是给予五十万元奖励。")  # an enumerated item that states what is given


@pytest.mark.parametrize("word", ["唯一一家", "统一年度", "进一步"])
def test_numeral_characters_inside_words_are_no_figures(word: str) -> None:
    assert not values(word)


def test_questions_about_content_are_not_taken_for_questions_about_the_document() -> None:
    from rag.answer.document_facts import intent_of

    for q in ("申报什么时候结束？", "征求意见稿中对人才有什么补贴？", "高新技术企业资格有效期几年？"):
        assert intent_of(q) is None, q
    assert intent_of("这个文件是正式发布的吗？") == "status"


def test_a_document_question_about_a_place_outside_the_corpus_is_refused(seed_qa: PolicyQA) -> None:
    answer = seed_qa.ask("深圳的皮具产业政策是谁发的？")
    assert answer.refused and not answer.citations


# -- history only for elliptical follow-ups -----------------------------------------------------

@pytest.mark.parametrize("question, elliptical", [
    ("那平湖呢？", True), ("平湖呢？", True), ("怎么申请？", True), ("有补贴吗？", True), ("谁发的？", True),
    ("它的有效期到哪年？", True), ("And what about Pinghu?", True), ("How much is it?", True),
    ("平湖对设计人才有什么奖励？", False), ("狮岭镇皮具产业有哪些资金扶持？", False),
    ("展会补助标准是多少？", False), ("What subsidies does Shenzhen offer to leather firms?", False),
    # a verb is no topic of its own: these ask about what came before
    ("最多能补多少？", True), ("多久能到账？", True), ("有上限吗？", True), ("When do they close applications?", True),
    # a quoted term, "那边" inside a sentence, a pronoun beside a place name: standalone
    ("什么是“无接触点餐”？", False), ("会展有哪些扶持？", False), ("能源有补贴吗？", False),
    ("我在狮岭做皮具，厂房太挤了，政府那边有没有啥打算？", False),
    ("How many firms took part in Lucheng's design fairs, and how many jobs did they offer?", False),
])
def test_which_questions_are_elliptical(question: str, elliptical: bool) -> None:
    assert is_followup(question, ["平湖", "狮岭", "鹿城", "白云区"]) is elliptical


def test_a_standalone_question_ignores_unrelated_history(seed_qa: PolicyQA) -> None:
    question = "平湖对箱包设计人才有什么奖励？"
    alone = seed_qa.ask(question)
    history = [{"role": "user", "content": "白云区服装产业提案是谁提交的？"}, {"role": "assistant", "content": "……"},
               {"role": "user", "content": "狮岭镇皮具产业有哪些资金扶持？"}, {"role": "assistant", "content": "……"}]
    after = seed_qa.ask(question, history=history)
    assert after.text == alone.text and [c.doc for c in after.citations] == [c.doc for c in alone.citations]


def test_an_elliptical_follow_up_carries_the_topic_over(seed_qa: PolicyQA) -> None:
    history = [{"role": "user", "content": "狮岭镇对皮具设计人才有什么支持？"}, {"role": "assistant", "content": "……"}]
    answer = seed_qa.ask("那平湖呢？", history=history)
    assert not answer.refused and answer.citations[0].doc == PINGHU
    assert SHILING not in [c.doc for c in answer.citations]


def test_a_verb_only_follow_up_asks_about_the_topic_before_it(seed_qa: PolicyQA) -> None:
    first = "平湖对箱包设计人才有什么支持？"
    before = seed_qa.ask(first)
    assert not before.refused and before.citations[0].doc == PINGHU
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": before.text}]
    assert first in condense("最多能补多少？", history)
    # the amount is asked of Pinghu's support: another city's figure must not answer it
    answer = seed_qa.ask("最多能补多少？", history=history)
    assert {c.doc for c in answer.citations} <= {PINGHU}


def test_a_yes_no_follow_up_asks_about_the_topic_before_it(seed_qa: PolicyQA) -> None:
    first = "我在温州鹿城做皮鞋，想做数字化改造，有什么扶持？"
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": "……"}]
    for question in ("有没有具体的补贴金额？", "是否有补贴标准？", "能不能申请？"):
        assert first in condense(question, history), question
    answer = seed_qa.ask("有没有具体的补贴金额？", history=history)
    assert answer.citations and {c.doc for c in answer.citations} <= {LUCHENG}
    # and the turn after it still asks about 鹿城, now of its own topic (招工, not 数字化改造)
    history += [{"role": "user", "content": "有没有具体的补贴金额？"}, {"role": "assistant", "content": answer.text}]
    facets = seed_qa.retriever.facets()
    query = condense("那招工方面政府能帮什么？", history, facets["industries"], facets["places"])
    assert "鹿城" in query and "招工" in query and "数字化" not in query


def test_a_follow_up_naming_its_own_topic_replaces_the_topic_before_it(seed_qa: PolicyQA) -> None:
    history = [{"role": "user", "content": "我是狮岭做皮具的，参加展会有补贴吗？"},
               {"role": "assistant", "content": "……"}]
    facets = seed_qa.retriever.facets()
    query = condense("人才方面呢？", history, facets["industries"], facets["places"])
    assert "人才" in query and "狮岭" in query and "补贴" in query and "展会" not in query
    answer = seed_qa.ask("人才方面呢？", history=history)
    assert answer.citations and "人才" in answer.text and "展会" not in answer.text
    # the turn after asks of that topic as it was understood: 平湖's talent support, not its fairs
    history += [{"role": "user", "content": "人才方面呢？"}, {"role": "assistant", "content": answer.text}]
    query = condense("那平湖呢？", history, facets["industries"], facets["places"])
    assert "平湖" in query and "人才" in query and "展会" not in query and "狮岭" not in query
    # an English follow-up keeps what the question before it asked
    english = [{"role": "user", "content": "What support is there for Pinghu luggage makers exhibiting abroad?"},
               {"role": "assistant", "content": "……"}]
    assert "exhibiting" in condense("And in Shiling?", english, facets["industries"], facets["places"])
    answer = seed_qa.ask("And in Shiling?", history=english)  # 狮岭's documents, not 平湖's
    assert (answer.citations or answer.related) and all(c.doc == SHILING for c in answer.citations or answer.related)


def test_a_follow_up_to_a_follow_up_keeps_the_first_topic(seed_qa: PolicyQA) -> None:
    history = [{"role": "user", "content": "平湖箱包企业参加境外展会有什么支持？"},
               {"role": "assistant", "content": "……"},
               {"role": "user", "content": "这个文件是正式发布的吗？"}, {"role": "assistant", "content": "……"}]
    assert "平湖" in condense("谁发的？", history)
    answer = seed_qa.ask("谁发的？", history=history)
    assert answer.citations and answer.citations[0].doc == PINGHU and "平湖市经济和信息化局" in answer.text
    # a standalone question in between starts a new topic
    history += [{"role": "user", "content": "鹿城区鞋业人才引进做了哪些工作？"}, {"role": "assistant", "content": "……"}]
    assert "鹿城" in condense("谁发的？", history) and "平湖" not in condense("谁发的？", history)


def test_history_does_not_leak_into_a_question_asked_under_a_filter(seed_qa: PolicyQA) -> None:
    from rag.search.retrieval import Filters

    question = "对设计人才有什么奖励？"
    filters = Filters(regions=("平湖市",))
    alone = seed_qa.ask(question, filters=filters)
    history = [{"role": "user", "content": "白云区服装产业提案是谁提交的？"}, {"role": "assistant", "content": "……"}]
    assert not alone.refused
    assert seed_qa.ask(question, history=history, filters=filters).text == alone.text
