"""How questions in other words reach the documents' words: English (offline gloss), everyday
Chinese, quoted terms, and lines that answer nothing."""

from rag.answer.evidence import is_contact_line, is_sign_off
from rag.app.service import PolicyQA
from rag.search.colloquial import formal_terms
from rag.search.english import gloss, place_names
from rag.search.terms import quoted_terms
from tests.conftest import SHILING

PLACES = ["广州市花都区狮岭镇", "平湖市", "温州市鹿城区"]


def test_place_names_by_pinyin_with_every_reading() -> None:
    names = place_names(PLACES)
    assert names["shiling"] == "狮岭" and names["pinghu"] == "平湖" and names["lucheng"] == "鹿城"
    assert names["huadu"] == "花都"  # 都 read dū as well as dōu


def test_gloss_takes_the_longest_phrase_and_keeps_years() -> None:
    terms = gloss("Which subsidies do Pinghu's leather goods makers get for their own brands in 2026?", PLACES)
    assert {"补贴", "皮具", "自主品牌", "平湖", "2026年"} <= set(terms)
    assert "品牌" not in terms  # "own brand" won over "brand"
    assert gloss("Hello there", PLACES) == []


def test_everyday_words_get_the_documents_terms() -> None:
    assert {"品牌", "境外"} <= set(formal_terms("想把牌子卖到国外"))
    assert formal_terms("狮岭镇皮具产业有哪些资金扶持？") == []


def test_quoted_terms_and_lines_that_answer_nothing() -> None:
    assert quoted_terms("都提到“1+N”和「链长制」，分别指什么？") == ["1+n", "链长制"]
    assert is_contact_line("(联系人:张三,联系电话:83123933)") and not is_contact_line("设立联系人制度。")
    assert is_sign_off("感谢您对我市皮具产业的关心和支持。") and not is_sign_off("市财政安排资金1亿元。")


def test_english_question_answered_offline_from_the_right_paragraph(seed_qa: PolicyQA) -> None:
    answer = seed_qa.ask("How much industry support funding has Shiling town in Huadu received since 2023?")
    assert not answer.refused and answer.mode == "extractive"
    assert answer.citations[0].doc == SHILING and "1.8亿元" in answer.text
