"""Pages that read lightly, checked in a real browser: folded code, and figures in both colour schemes.

The machinery (plotting, layout, measuring) is folded: one click shows it, and copying it gives
all of it. Figures have transparent backgrounds, so neither scheme shows a glaring white box.
"""

from __future__ import annotations

import io

import pytest

from conftest import chapter_modules, requires_browser

pytestmark = requires_browser()


def folded_pages(site) -> list[str]:
    """The chapter pages that fold at least one cell."""
    return [m for m in chapter_modules() if 'class="book-fold"' in (site / m / "index.html").read_text(encoding="utf-8")]


def test_some_chapters_fold_their_machinery(built_site):
    assert len(folded_pages(built_site)) >= 5, "fold the drawing and measuring cells of the chapters"


def test_a_folded_cell_opens_and_closes_and_copies_its_whole_code(browser, server, built_site):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    for chapter in folded_pages(built_site):  # the first with a fold in the reading flow, not only in an exercise's check
        page.goto(f"{server}/{chapter}/", wait_until="networkidle")
        if page.locator("article > details.book-fold").count():
            break
    fold = page.locator("article > details.book-fold").first
    code = fold.locator(".highlight code")
    fold.scroll_into_view_if_needed()
    assert not code.is_visible(), "a folded cell starts closed"
    # Its output, if it printed any, is in view while the code is folded away.
    after = fold.locator("xpath=following-sibling::*[1]")
    if "snippet-output" in (after.get_attribute("class") or ""):
        assert after.is_visible()

    fold.locator("summary").click()
    code.wait_for(state="visible")
    # Code blocks are laid out only near the screen (content-visibility: auto, book.css): for a frame or so after
    # the fold opens, the block has its placeholder's size but no text yet, so wait for the lines to be there.
    page.wait_for_function("code => code.innerText.trim().split('\\n').length > 2", arg=code.element_handle())
    text = code.inner_text()
    assert text.count("\n") >= 2
    fold.locator(".highlight").hover()
    fold.locator("button[data-md-type=copy]").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.strip() == text.strip()

    fold.locator("summary").click()
    page.wait_for_timeout(300)
    assert not code.is_visible()
    context.close()


def light_share(png: bytes) -> float:
    """The share of a screenshot's pixels that are near white."""
    from PIL import Image

    counts = Image.open(io.BytesIO(png)).convert("L").histogram()  # how many pixels have each grey level
    return sum(counts[231:]) / sum(counts)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_figure_is_a_white_block_in_either_scheme(browser, server, built_site, scheme):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    problems, seen = [], 0
    for chapter in chapter_modules():
        page.goto(f"{server}/{chapter}/", wait_until="networkidle")
        assert page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == (
            "slate" if scheme == "dark" else "default")
        figures = page.locator("article img.snippet-figure")
        for k in range(figures.count()):
            figure = figures.nth(k)
            figure.evaluate("i => { i.loading = 'eager'; return i.decode(); }")
            figure.scroll_into_view_if_needed()
            seen += 1
            name = f"{chapter}: {figure.get_attribute('src')}"
            background = figure.evaluate("i => getComputedStyle(i).backgroundColor")
            if background not in ("rgba(0, 0, 0, 0)", "transparent"):
                problems.append(f"{name} has a {background} background")
            ink = figure.evaluate("i => getComputedStyle(i).filter")
            if scheme == "light" and ink != "none":
                problems.append(f"{name} is drawn through '{ink}' on the light scheme")
            # On the dark page a figure is mostly page background; a white block would be nearly all white.
            if scheme == "dark" and (share := light_share(figure.screenshot())) > 0.25:
                problems.append(f"{name} is {share:.0%} white on the dark scheme")
    context.close()
    assert seen >= 20
    assert not problems, "\n".join(problems)


CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                               return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
                               if (c.length === 3 || c[3] > 0.5) return c.slice(0, 3); }
                             return rgb(getComputedStyle(document.body).backgroundColor).slice(0, 3); };
  const worst = [];
  for (const e of document.querySelectorAll('.widget *')) {
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !e.getClientRects().length) continue;
    const style = getComputedStyle(e);
    const ink = rgb(e instanceof SVGElement ? style.fill : style.color).slice(0, 3);
    const [a, b] = [lum(ink), lum(background(e instanceof SVGElement ? e.closest('svg') : e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 3) worst.push(`${e.tagName} "${e.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
  }
  return worst;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_widget_text_is_readable_in_both_schemes(browser, server, built_site, scheme):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    problems, widgets = [], 0
    for chapter in chapter_modules():
        if 'class="widget"' not in (built_site / chapter / "index.html").read_text(encoding="utf-8"):
            continue
        page.goto(f"{server}/{chapter}/", wait_until="networkidle")
        page.locator(".widget svg").first.wait_for()
        widgets += page.locator(".widget").count()
        problems += [f"{chapter}: {item}" for item in page.evaluate(CONTRAST)]
    context.close()
    assert widgets >= 3
    assert not problems, "\n".join(problems)
