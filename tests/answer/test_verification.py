from rag.answer.verification import figures, verify

P1 = "据不完全统计，自 2023 年起，市区各级累计安排扶持资金超1.8亿元，企业整体运营效率提高 15%以上。"
P2 = "意见反馈截止时间为2024年4月15日17:30。通过电话方式反馈：0573-85060408。"


def test_valid_answer_passes_and_is_renumbered() -> None:
    v = verify("反馈电话是0573-85060408[2]。扶持资金超1.8 亿元[1]。", [P1, P2])
    assert v.text == "反馈电话是0573-85060408[1]。\n扶持资金超1.8 亿元[2]。"
    assert v.cited == (2, 1) and v.markers_removed == 0 and v.sentences_dropped == 0


def test_marker_to_unknown_paragraph_is_removed() -> None:
    v = verify("扶持资金超1.8亿元[1][7]。", [P1])
    assert v.text == "扶持资金超1.8亿元[1]。" and v.markers_removed == 1


def test_wrong_figure_drops_the_sentence() -> None:
    v = verify("扶持资金超2.5亿元[1]。运营效率提高15%以上[1]。", [P1, P2])
    assert v.text == "运营效率提高15%以上[1]。" and v.sentences_dropped == 1
    assert "2.5亿元" in v.dropped[0]


def test_a_sentence_is_credited_to_the_paragraph_that_says_it() -> None:
    v = verify("反馈截止时间为2024年4月15日[1]。", [P1, P2])  # right figure, wrong paragraph cited
    assert v.text == "反馈截止时间为2024年4月15日[1]。" and v.cited == (2,)  # [1] now means P2
    v = verify("扶持资金超1.8亿元。", [P2, P1])  # no marker at all: credited by its words
    assert v.text == "扶持资金超1.8亿元[1]。" and v.cited == (2,)


def test_a_sentence_no_paragraph_says_is_dropped_whatever_it_cites() -> None:
    v = verify("狮岭镇对所有企业免收三年租金[1]。企业可以放心申请，政府全额报销[1]。", [P1, P2])
    assert not v.has_facts and v.sentences_dropped == 2
    v = verify("截止时间为2024年4月15日[2]。", [P1, P2])
    assert v.cited == (2,)  # a cited paragraph that supports it keeps its citation


def test_wrong_language_is_dropped() -> None:
    v = verify("The funding exceeds 1.8亿元 [1]. 扶持资金超1.8亿元[1]。", [P1])
    assert v.text == "扶持资金超1.8亿元[1]。" and v.sentences_dropped == 1
    v = verify("扶持资金超1.8亿元[1]。 The funding exceeds 1.8亿元 [1].", [P1], chinese_question=False)
    assert v.text == "The funding exceeds 1.8亿元 [1]." and v.sentences_dropped == 1


def test_uncited_fact_is_dropped_but_a_no_information_sentence_stays() -> None:
    v = verify("狮岭有很多扶持资金。现有文件未提及每家企业的补贴标准。扶持资金超1.8亿元。[1]", [P1])
    assert v.text == "现有文件未提及每家企业的补贴标准。\n扶持资金超1.8亿元[1]。"
    assert v.sentences_dropped == 1


def test_marker_styles_and_full_width_digits() -> None:
    v = verify("扶持资金超１.８亿元【1】。效率提高15%[1,2]。", [P1, P2])
    assert v.text == "扶持资金超１.８亿元[1]。\n效率提高15%[1]。" and v.markers_removed == 0  # P2 does not say it


def test_english_sentences() -> None:
    v = verify("Funding exceeded 1.8亿元 [1]. Each firm gets 3 million yuan [1]. The documents do not say more.",
               [P1], chinese_question=False)
    assert v.text.splitlines() == ["Funding exceeded 1.8亿元 [1].", "The documents do not say more."]
    assert v.sentences_dropped == 1


def test_figures_normalised() -> None:
    assert figures("超 3,800 万美元，１.８亿元") == ["3800", "1.8"]
