import re

from rag.answer.answering import EMPTY_QUESTION
from rag.app.service import PolicyQA
from tests.conftest import SHILING

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _check_cited(answer) -> None:
    """Every line but a lead-in ends with [n]; n names a citation; each figure in a line is in its
    cited paragraph (a heading shown before a sentence, 【…】, is the paragraph's heading)."""
    numbers = {c.n: c for c in answer.citations}
    for i, line in enumerate(answer.text.splitlines()):
        m = re.search(r"\[(\d+)\]$", line)
        if i == 0 and not m:  # only the known lead-ins stand uncited
            assert line in ("有。文件规定如下：", "文件提到了相关支持，但没有写明金额：") or (
                line.startswith("The documents") and "quoted in Chinese" in line), f"uncited line: {line}"
            continue
        assert m, f"uncited line: {line}"
        cited = numbers[int(m.group(1))]
        sentence = line[: m.start()]
        heading = re.match(r"^【([^】]*)】", sentence)
        if heading:
            assert heading.group(1) in cited.headings
            sentence = sentence[heading.end():]
        assert sentence in cited.text
        for fig in _NUMBER.findall(sentence):
            assert fig in cited.text


def test_answer_cites_the_funding_paragraph(seed_qa: PolicyQA) -> None:
    answer = seed_qa.ask("狮岭镇皮具产业有哪些资金扶持？")
    assert not answer.refused and answer.mode == "extractive"
    assert "1.8亿元" in answer.text
    _check_cited(answer)
    top = answer.citations[0]
    assert top.doc == SHILING and "1.8亿元" in top.text
    doc = seed_qa.document(SHILING)
    assert doc.text[top.start : top.end] == top.text  # offsets point into the stored document
    assert top.title and top.issuer == "广州市工业和信息化局" and top.date
    assert all(doc.text[s:e] in top.text for s, e in top.quotes)


def test_out_of_scope_place_is_refused_with_related_paragraphs(seed_qa: PolicyQA) -> None:
    answer = seed_qa.ask("东莞厚街的鞋企能享受哪些扶持政策？")
    assert answer.refused and answer.text.startswith("现有文件未涉及东莞")
    assert not answer.citations and answer.related


def test_a_place_inside_a_documents_place_is_not_called_uncovered(seed_qa: PolicyQA) -> None:
    # 番禺 is named by no document, but the Guangzhou plan covers the whole city
    answer = seed_qa.ask("番禺区的服装企业有数字化改造支持吗？")
    assert not answer.refused and "未涉及" not in answer.text
    assert {c.doc for c in answer.citations} == {"001_4cc97f4c278e948c.txt"}


def test_amount_the_documents_do_not_state_is_refused(seed_qa: PolicyQA) -> None:
    answer = seed_qa.ask("企业参加红靴奖设计大赛拿了一等奖，奖金是多少？")
    assert answer.refused


def test_followup_carries_the_topic(seed_qa: PolicyQA) -> None:
    history = [{"role": "user", "content": "狮岭镇皮具产业有哪些资金扶持？"},
               {"role": "assistant", "content": "…"}]
    answer = seed_qa.ask("那平湖呢？", history=history)
    # The topic (funding) is carried over to Pinghu's document. Whether it answers "资金扶持" is the
    # answer model's call (it speaks of 政策扶持 and 金融产品, not of funds): quoted or shown as related.
    shown = answer.citations or answer.related
    assert shown and shown[0].doc.startswith("003_")
    assert all(c.doc.startswith("003_") for c in shown)


def test_empty_and_control_characters(seed_qa: PolicyQA) -> None:
    assert seed_qa.ask("  \x00\x07 ").text == EMPTY_QUESTION
    answer = seed_qa.ask("狮岭\x00镇皮具产业有哪些资金扶持？" + "啊" * 3000)
    assert "只按前2000字" in answer.notice


def test_the_place_given_earlier_stays_until_another_is_named(seed_qa: PolicyQA) -> None:
    history = [{"role": "user", "content": "白云区做女装的，政府在数字化方面做了什么？"},
               {"role": "assistant", "content": "…"}]
    covering = ("001_", "002_")  # 广州市's plan and 白云区's report, never 鹿城's reply on designers
    answer = seed_qa.ask("有没有培训设计师的？", history=history)
    shown = answer.citations or answer.related
    assert shown and all(c.doc.startswith(covering) for c in shown)
    # naming another place moves the conversation there
    moved = seed_qa.ask("鹿城有没有培训设计师的？", history=history)
    assert any(c.doc.startswith("004_") for c in moved.citations or moved.related)
    english = seed_qa.ask("Does Lucheng train shoe designers?", history=history)  # named in English
    assert any(c.doc.startswith("004_") for c in english.citations or english.related)
    # a place no document concerns stays so: no other place's measures are offered as an answer
    elsewhere = [{"role": "user", "content": "我在东莞厚街做鞋，有什么补贴？"}, {"role": "assistant", "content": "…"}]
    answer = seed_qa.ask("有没有展会补贴？", history=elsewhere)
    assert answer.refused and not answer.citations and "东莞" in answer.text
