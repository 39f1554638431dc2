"""The chat in headless Chromium, as a business owner and a clerk use it. Screenshots of each step
go to evals/results/ui/."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.app.service import PolicyQA
from rag.settings import Settings
from tests.conftest import free_port
from tests.ui.conftest import SHOTS

pytestmark = pytest.mark.slow
PASSWORD = "browser-test-pw"
UPLOAD = ("皮具展会补助通知 2026.txt",
          "花都区皮具企业境外展会补助通知\n"
          "参加境外专业展会的花都皮具企业，按展位费的60%给予补助，每家企业每年最高8万元。\n"
          "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\"> [点我](javascript:alert(1))\n")
FOLDERS: dict[str, Path] = {}  # the site's shipped corpus and staff folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, e5) -> Iterator[str]:
    from tests.conftest import copy_corpus
    from ui.app import serve

    base = tmp_path_factory.mktemp("browser")
    settings = Settings(corpus_dir=copy_corpus(base / "corpus"), data_dir=base, index_dir=base / "index",
                        admin_password=PASSWORD)
    qa = PolicyQA(settings, embedder=e5)
    qa.ingest()
    FOLDERS.update(seed=settings.corpus_dir, staff=settings.corpus.writable)
    port = free_port()
    server = serve(qa, port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    server.stop()


@pytest.fixture(scope="module")
def page(browser, site: str):  # one page for the whole story: the conversation carries on
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = context.new_page()
    pg.goto(site)
    pg.wait_for_selector("#pq-question textarea", timeout=60_000)
    yield pg
    context.close()


def ask(page, question: str, expect: str) -> None:
    page.fill("#pq-question textarea", question)
    page.click("#pq-send")
    page.wait_for_function(
        "([q, e]) => { const s = document.querySelector('#pq-sources .pq-sources');"  # the newest answer's
        " return s && s.innerText.includes(e) && s.querySelector('.pq-asked').innerText.includes(q); }",
        arg=[question, expect], timeout=60_000)


def test_1_ask_and_see_the_cited_answer(page) -> None:
    ask(page, "狮岭镇皮具产业有哪些资金扶持？", "1.8亿元")
    chat = page.inner_text("#pq-chat")
    assert "1.8亿元" in chat and "[1]" in chat
    assert page.inner_text("#pq-mode") == "离线摘录模式"
    card = page.locator("#pq-source-1-1")
    assert "广州市工业和信息化局" in card.inner_text() and "2025-05-27" in card.inner_text()
    assert "1.8亿元" in card.locator("mark").first.inner_text()
    page.screenshot(path=str(SHOTS / "01-answer.png"), full_page=True)


def test_2_click_marker_shows_the_highlighted_paragraph(page) -> None:
    page.locator("#pq-chat a.pq-ref").first.click()
    page.wait_for_function("location.hash === '#pq-source-1-1'", timeout=10_000)
    card = page.locator("#pq-source-1-1")
    assert card.is_visible() and card.locator("mark").count() >= 1
    page.screenshot(path=str(SHOTS / "02-source-card.png"), full_page=True)


def test_3_view_original_document_scrolled_to_the_paragraph(page) -> None:
    with page.context.expect_page() as new_page:
        page.locator("#pq-source-1-1 a.pq-open").click()
    doc = new_page.value
    doc.wait_for_selector("mark#cited")
    assert "1.8亿元" in doc.inner_text("mark#cited")
    in_view = doc.evaluate("() => { const r = document.getElementById('cited').getBoundingClientRect();"
                           " return r.top < window.innerHeight && r.bottom > 0; }")
    assert in_view
    # not at the very top edge, and the bar at the top names the document and the paragraph's heading
    assert doc.evaluate("() => document.getElementById('cited').getBoundingClientRect().top") > 80
    bar = doc.locator("#where")
    assert bar.is_visible() and "一、主要工作情况" in bar.inner_text()
    assert doc.evaluate("() => document.getElementById('where').getBoundingClientRect().top") <= 1
    doc.screenshot(path=str(SHOTS / "03-original-document.png"))
    doc.close()


def test_4_filter_by_region(page) -> None:
    page.click("#pq-filters button, #pq-filters .label-wrap")
    page.locator("#pq-region input").click()
    page.locator("#pq-region input").fill("平湖市")
    page.keyboard.press("Enter")
    ask(page, "企业融资有哪些支持？", "平湖")
    cards = page.inner_text("#pq-turn-2")
    assert "平湖" in cards and "广州市工业和信息化局" not in cards
    page.screenshot(path=str(SHOTS / "04-filter-region.png"), full_page=True)
    page.locator("#pq-region .token-remove, #pq-region button[aria-label*='Remove']").first.click()


def test_4b_every_answer_keeps_its_own_sources(page) -> None:
    """Three turns: [1] of the first, second and third answer each open that answer's paragraph."""
    ask(page, "鹿城区在鞋业人才引进方面做了哪些工作？", "鹿城")
    refs = page.locator("#pq-chat a.pq-ref")  # in the order of the conversation
    assert refs.count() >= 3
    expected = {0: ("#pq-source-1-1", "狮岭"), 1: ("#pq-source-2-1", "平湖"), 2: ("#pq-source-3-1", "鹿城")}
    seen = [refs.nth(k).get_attribute("href") for k in range(refs.count())]
    assert seen.index("#pq-source-1-1") < seen.index("#pq-source-2-1") < seen.index("#pq-source-3-1")
    for i, (target, place) in expected.items():
        refs.nth(seen.index(target)).click()  # the first [1] of the i-th answer
        page.wait_for_function("t => location.hash === t", arg=target, timeout=10_000)
        card = page.locator(target)
        assert card.is_visible() and place in card.inner_text(), (i, card.inner_text()[:80])
        if i == 0:
            page.screenshot(path=str(SHOTS / "09-older-answer-source.png"), full_page=True)


def test_4c_enter_sends_and_shift_enter_breaks_the_line(page) -> None:
    box = page.locator("#pq-question textarea")
    assert "Enter 发送，Shift+Enter 换行" in page.inner_text("#pq-question")
    box.fill("平湖箱包企业")
    box.press("Shift+Enter")
    box.type("参加境外展会有什么支持？")
    assert box.input_value() == "平湖箱包企业\n参加境外展会有什么支持？"  # still in the box, on two lines
    box.press("Enter")
    page.wait_for_function("document.querySelector('#pq-chat').innerText.includes('参加境外展会有什么支持')",
                           timeout=60_000)
    page.wait_for_function("document.querySelector('#pq-question textarea').value === ''", timeout=60_000)


def test_5_thumbs_down_lands_in_the_knowledge_gaps(page) -> None:
    page.locator("#pq-chat button[aria-label='踩'], #pq-chat button[aria-label='Dislike']").last.click()
    page.wait_for_function("document.querySelector('#pq-status').innerText.includes('已记录')", timeout=10_000)
    # the confirmation shows right under the chat, where 👍/👎 are
    gap = page.evaluate("() => document.querySelector('#pq-status').getBoundingClientRect().top -"
                        " document.querySelector('#pq-chat').getBoundingClientRect().bottom")
    assert 0 <= gap < 60, gap
    page.fill("#pq-comment textarea", "想知道申请条件")
    page.click("#pq-send-comment")
    page.wait_for_function("document.querySelector('#pq-status').innerText.includes('意见已记录')", timeout=10_000)
    page.get_by_role("tab", name="知识缺口").click()
    assert not page.locator("#pq-gaps-panel").is_visible()  # staff data: only after a login
    page.fill("#pq-staff-password input", "wrong")
    page.click("#pq-staff-login-btn")
    page.wait_for_function("document.querySelector('#pq-staff-msg').innerText.includes('密码错误')", timeout=10_000)
    page.fill("#pq-staff-password input", PASSWORD)  # the admin password opens it too
    page.click("#pq-staff-login-btn")
    page.wait_for_selector("#pq-gaps-panel", state="visible", timeout=10_000)
    page.click("#pq-gaps-refresh")
    page.wait_for_function("document.querySelector('#pq-gaps').innerText.includes('想知道申请条件')", timeout=10_000)
    gaps = page.inner_text("#pq-gaps")
    assert "👎" in gaps and "离线摘录" in gaps and "extractive" not in gaps and "第几问" in gaps
    # at 1366 px every column is on screen, with no sideways scrolling
    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_timeout(500)
    scrolls = page.evaluate("() => [...document.querySelectorAll('#pq-gaps *')].some(e => e.scrollWidth >"
                            " e.clientWidth + 2 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX))")
    off = page.evaluate("() => [...document.querySelectorAll('#pq-gaps th')].filter(th =>"
                        " th.getBoundingClientRect().right > window.innerWidth).map(th => th.innerText)")
    assert not scrolls and not off, off
    page.screenshot(path=str(SHOTS / "05-knowledge-gaps.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_6_admin_login_upload_and_ask_about_it(page, tmp_path: Path) -> None:
    page.get_by_role("tab", name="文档管理").click()
    page.fill("#pq-password input", "wrong")
    page.click("#pq-login-btn")
    page.wait_for_function("document.querySelector('#pq-admin-msg').innerText.includes('密码错误')", timeout=10_000)
    page.fill("#pq-password input", PASSWORD)
    page.click("#pq-login-btn")
    page.wait_for_selector("#pq-docs", state="visible", timeout=10_000)
    assert "000_cdd52aca649b231b.txt" in page.inner_text("#pq-docs")
    shipped = _tree(FOLDERS["seed"])
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    page.set_input_files("#pq-upload input[type=file]", str(bad))
    page.click("#pq-do-upload")
    page.wait_for_function("document.querySelector('#pq-admin-msg').innerText.includes('已拒绝')", timeout=30_000)
    page.locator("#pq-upload button[aria-label*='Clear'], #pq-upload button[aria-label*='清除']").first.click()
    name, text = UPLOAD
    good = tmp_path / name
    good.write_text(text, encoding="utf-8")
    page.set_input_files("#pq-upload input[type=file]", str(good))
    page.fill("#pq-up-title textarea, #pq-up-title input", "花都区皮具企业境外展会补助通知")
    page.fill("#pq-up-region textarea, #pq-up-region input", "广州市花都区")
    page.click("#pq-do-upload")
    page.wait_for_function("document.querySelector('#pq-admin-msg').innerText.includes('已上传')", timeout=60_000)
    assert name in page.inner_text("#pq-docs")
    # kept in the staff folder: the shipped corpus (git-tracked in a checkout) is as it was
    assert (FOLDERS["staff"] / name).read_text(encoding="utf-8") == text and _tree(FOLDERS["seed"]) == shipped
    # the form is fresh for the next document
    page.wait_for_function("n => !document.querySelector('#pq-upload').innerText.includes(n)", arg=name,
                           timeout=10_000)
    assert page.input_value("#pq-up-title textarea, #pq-up-title input") == ""
    # at 1366 px every column of the document list is on screen
    page.set_viewport_size({"width": 1366, "height": 900})
    page.wait_for_timeout(500)
    off = page.evaluate("() => [...document.querySelectorAll('#pq-docs th')].filter(th =>"
                        " th.getBoundingClientRect().right > window.innerWidth || th.offsetWidth < 20)"
                        ".map(th => th.innerText)")
    assert not off, off
    assert all(h in page.inner_text("#pq-docs") for h in ("状态", "地区", "段落数"))
    page.screenshot(path=str(SHOTS / "06-admin-upload.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.get_by_role("tab", name="问答").click()
    ask(page, "花都皮具企业参加境外展会，每家每年最高补助多少？", "8万元")
    assert "8万元" in page.inner_text("#pq-chat")
    page.screenshot(path=str(SHOTS / "07-answer-from-upload.png"), full_page=True)


def test_7_document_text_cannot_run_script(page) -> None:
    ask(page, "花都区皮具企业境外展会补助通知的全文说了什么？", "境外")
    sources = page.inner_text("#pq-sources")
    assert page.evaluate("() => window.__xss") is None
    if "script" in sources:  # when the hostile line is cited it shows as text, not markup
        assert "<script>" in sources
    assert page.locator("#pq-sources script, #pq-sources img").count() == 0


def test_7b_admin_logs_out(page) -> None:
    page.get_by_role("tab", name="文档管理").click()
    page.click("#pq-logout")
    page.wait_for_selector("#pq-admin-panel", state="hidden", timeout=10_000)
    assert page.locator("#pq-login").is_visible() and "已退出登录" in page.inner_text("#pq-admin-msg")
    page.get_by_role("tab", name="问答").click()


def test_7c_a_refusal_names_the_place_and_numbers_the_related_paragraphs(page) -> None:
    ask(page, "东莞厚街的鞋企能享受哪些扶持政策？", "不是答案")
    chat = page.locator("#pq-chat .message").last.inner_text() if page.locator("#pq-chat .message").count() \
        else page.inner_text("#pq-chat")
    assert "现有文件未涉及东莞" in page.inner_text("#pq-chat") and "相关1" in page.inner_text("#pq-chat"), chat
    newest = page.locator("#pq-sources .pq-sources").first
    assert "仅供参考" in newest.inner_text() and newest.locator(".pq-card.pq-related").count() >= 1
    assert "相关1" in newest.locator(".pq-card").first.inner_text()
    overlap = page.evaluate("() => document.querySelector('#pq-sources').getBoundingClientRect().bottom -"
                            " document.querySelector('#pq-question').getBoundingClientRect().top")
    assert overlap <= 0, overlap  # a long list of cards scrolls in its panel, over nothing
    page.screenshot(path=str(SHOTS / "11-refusal.png"), full_page=True)


def test_8_uploaded_document_appears_in_the_filters_after_reload(page) -> None:
    page.reload()
    page.wait_for_selector("#pq-question textarea", timeout=60_000)
    page.click("#pq-filters button, #pq-filters .label-wrap")
    page.locator("#pq-doc input").click()
    page.wait_for_function("document.querySelector('#pq-doc').innerText.includes('花都区皮具企业境外展会补助通知')",
                           timeout=10_000)
    page.screenshot(path=str(SHOTS / "08-filters-after-upload.png"), full_page=True)


def test_9_on_a_phone_the_sources_follow_the_answer(browser, site: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    pg = context.new_page()
    pg.goto(site)
    pg.wait_for_selector("#pq-question textarea", timeout=60_000)
    ask(pg, "狮岭镇皮具产业有哪些资金扶持？", "1.8亿元")
    top = pg.evaluate("s => document.querySelector(s).getBoundingClientRect().top + window.scrollY",
                      "#pq-sources")
    chat_bottom = pg.evaluate("() => document.querySelector('#pq-chat').getBoundingClientRect().bottom"
                              " + window.scrollY")
    for later in ("#pq-question", "#pq-filters", "#pq-comment"):
        y = pg.evaluate("s => document.querySelector(s).getBoundingClientRect().top + window.scrollY", later)
        assert top < y, later
    assert chat_bottom <= top
    # badges never wrap: one line box each
    assert pg.evaluate("() => [...document.querySelectorAll('.pq-badge')].every(b => b.getClientRects().length === 1)")
    pg.screenshot(path=str(SHOTS / "10-mobile.png"), full_page=True)
    context.close()
