"""政策匹配 in headless Chromium: a 狮岭 leather-goods maker fills the form and reads cited measures."""

from collections.abc import Iterator

import pytest

from rag.app.service import PolicyQA
from tests.conftest import served
from tests.ui.conftest import SHOTS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(seed_qa: PolicyQA) -> Iterator[str]:
    with served(seed_qa) as url:
        yield url


def test_policy_match_for_a_shiling_leather_maker(browser, site: str) -> None:
    """政策匹配: a 狮岭 leather-goods maker needing 展会 and 人才 sees cited Guangzhou and Shiling measures,
    none from Pinghu or Lucheng, and can export the checklist."""
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    pg.goto(site)
    pg.wait_for_selector("#pq-question textarea", timeout=60_000)
    pg.get_by_role("tab", name="政策匹配").click()
    region = pg.locator("#pq-match-region input")
    region.fill("花都区狮岭镇")
    region.press("Enter")
    industry = pg.locator("#pq-match-industry input")
    industry.fill("皮具")
    industry.press("Enter")
    for need in ("展会", "人才"):
        pg.locator("#pq-match-needs").get_by_text(need, exact=True).click()
    pg.click("#pq-match-run")
    pg.wait_for_selector("#pq-match-result .pq-measure", timeout=60_000)
    text = pg.inner_text("#pq-match-result")
    assert "所在地：广东省广州市花都区狮岭镇" in text and "展会（" in text and "人才（" in text
    titles = pg.eval_on_selector_all("#pq-match-result .pq-title", "els => els.map(e => e.textContent)")
    assert any("狮岭" in t for t in titles) and any("广州市时尚产业集群" in t for t in titles)
    assert not any("平湖" in t or "鹿城" in t or "区政协" in t for t in titles)
    # the city plan's period has ended: each of its measures says so without opening its source
    cautions = pg.eval_on_selector_all("#pq-match-result .pq-measure > .pq-caution", "els => els.length")
    assert cautions and "⚠ 规划期至2024年，已结束" in text
    # every measure is highlighted in its source paragraph, shown when its 出处 line is opened
    marks = pg.eval_on_selector_all("#pq-match-result .pq-measure", "els => els.map(e => !!e.querySelector('mark'))")
    assert marks and all(marks)
    pg.locator("#pq-match-result details summary").first.click()
    assert pg.locator("#pq-match-result details mark").first.is_visible()
    pg.screenshot(path=str(SHOTS / "12-policy-match.png"), full_page=False)
    exported = pg.inner_text("#pq-match-export")
    assert ".csv" in exported and ".md" in exported, exported
    context.close()
