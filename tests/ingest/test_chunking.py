from rag.ingest.chunking import ChunkingConfig, chunk_document, heading_level, sentence_spans
from rag.ingest.loading import load_corpus
from rag.types import Document
from tests.conftest import CORPUS


def _doc(text: str) -> Document:
    return Document("t.txt", text, "h")


def test_every_chunk_is_an_exact_span_and_every_line_is_covered() -> None:
    for doc in load_corpus(CORPUS).documents:
        chunks = chunk_document(doc)
        assert chunks, doc.doc_id
        covered = set()
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
            covered.update(range(c.start, c.end))
        for i, ch in enumerate(doc.text):
            assert ch.isspace() or i in covered, f"{doc.doc_id}: char {i} {ch!r} in no chunk"
        starts = [c.start for c in chunks]
        assert starts == sorted(starts) and len(set(c.chunk_id for c in chunks)) == len(chunks)


def test_heading_path_follows_chinese_numbering() -> None:
    text = (
        "一、总体要求\n（一）发展目标\n到2026年，箱包产业产值突破50亿元，培育龙头企业5家。\n"
        "（二）基本原则\n坚持创新驱动，转型发展，推动数字化改造覆盖全部规上企业。\n"
        "二、主要任务\n1.加强人才培养。每年培训技能人才1000人次以上，并给予培训补贴。\n"
    )
    chunks = chunk_document(_doc(text))
    def containing(words: str):
        return next(c for c in chunks if words in c.text)

    assert containing("到2026年").headings == ("一、总体要求", "（一）发展目标")
    assert containing("坚持创新驱动").headings == ("一、总体要求", "（二）基本原则")
    assert chunks[-1].headings[0] == "二、主要任务"
    assert chunks[-1].text.startswith("二、主要任务")  # the heading line is kept with its paragraph


def test_long_paragraph_is_cut_at_sentence_ends_never_inside_numbers() -> None:
    sentence = "市区各级累计安排扶持资金超1.8亿元，覆盖2024-2026年的项目。"
    text = sentence * 20
    chunks = chunk_document(_doc(text), ChunkingConfig(max_chars=120))
    assert len(chunks) > 1
    for c in chunks:
        assert len(c.text) <= 120
        assert c.text.endswith("。") and "1.8亿元" in c.text


def test_sentence_spans() -> None:
    text = "第一句有1.8亿元。第二句？“第三句！”\n第四句；尾巴"
    expected = ["第一句有1.8亿元。", "第二句？", "“第三句！”", "第四句；", "尾巴"]
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


def test_heading_detection() -> None:
    assert heading_level("一、目标要求") == 1
    assert heading_level("（三）发展目标") == 2
    assert heading_level("3.加快探索品牌创新") == 3
    assert heading_level("第二章 总则") == 0
    assert heading_level("一是强化顶层设计，加强产业政策引导。") is None
    assert heading_level("1.8亿元的资金用于扶持皮具产业转型升级，覆盖全镇企业。") is None
