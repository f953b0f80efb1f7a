"""The HTML report as a reader sees it, in headless Chromium.

Chromium comes from Debian's package (``make test`` installs it when missing); playwright
drives it through ``executable_path``. Screenshots go to ``reports/screenshots/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT
from gongwen import report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic"]
SCREENSHOTS = ROOT / "reports" / "screenshots"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run `make test`, which installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900})
        yield context
        context.close()


def open_page(browser, path: Path):
    """Open a local page; return (page, problems) where problems collects errors and dialogs."""
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("request", lambda r: problems.append(f"network: {r.url}")
            if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


def expected_outputs(notebook: Path) -> tuple[int, int]:
    """Tables and images an executed notebook displays."""
    nb = nbformat.read(notebook, as_version=4)
    tables = images = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            tables += data.get("text/html", "").count("<table")
            images += "image/png" in data
    return tables, images


def test_index_page(browser, planted_report):
    _, out, _ = planted_report
    page, problems = open_page(browser, out / "index.html")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
    assert problems == []
    assert page.locator("table").count() == 1
    assert page.get_by_text("zz_planted", exact=False).count() >= 1
    links = page.locator("ol a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    for nb in report.list_notebooks(ROOT / "notebooks"):
        assert f"{nb.stem}.html" in links
    assert page.evaluate("window.__pwned") is None
    page.close()


@pytest.mark.parametrize("stem", [nb.stem for nb in report.list_notebooks(ROOT / "notebooks")])
def test_notebook_page(browser, planted_report, stem):
    _, out, _ = planted_report
    page, problems = open_page(browser, out / f"{stem}.html")
    tables, images = expected_outputs(out / "notebooks" / f"{stem}.ipynb")
    if page.locator("table.gw-interactive").count():
        page.wait_for_selector("body[data-gw-tables=ready]", timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"), full_page=True)

    assert problems == []
    assert page.evaluate("window.__pwned") is None, "a script planted in a report ran"
    assert page.locator("main table").count() >= tables
    assert page.locator("main img").count() == images
    loaded = "els => els.map(e => e.complete && e.naturalWidth > 0 && !!e.alt)"
    assert all(page.locator("main img").evaluate_all(loaded))
    assert page.locator("nav.gw-toc li").count() >= 1
    page.close()


def test_search_filters_an_interactive_table(browser, planted_report):
    _, out, _ = planted_report
    page, problems = open_page(browser, out / "00-corpus.html")
    page.wait_for_selector("body[data-gw-tables=ready]", timeout=15_000)
    wrapper = page.locator("div.dt-container").first
    rows = wrapper.locator("tbody tr")
    before = wrapper.locator(".dt-info").inner_text()
    wrapper.locator("input[type=search]").fill("zz_planted")
    page.wait_for_timeout(300)
    after = wrapper.locator(".dt-info").inner_text()
    assert after != before
    assert rows.count() >= 1
    assert all("zz_planted" in text for text in rows.all_inner_texts())
    assert problems == []
    page.close()


def test_planted_markup_shows_as_text(browser, planted_report):
    _, out, _ = planted_report
    page, _ = open_page(browser, out / "index.html")
    # The title keeps the markup as characters (spaces and markdown __ are dropped as layout).
    assert page.get_by_text("<script>window.", exact=False).count() >= 1
    page.close()
