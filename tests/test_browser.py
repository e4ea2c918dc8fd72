"""The built site in a real browser: Playwright driving headless Chromium (Debian's, or BOOK_CHROMIUM's).

Every page must load with no console error, no failed request and no request to another
host; its math must be rendered, its images loaded and described, and it must fit a
390 px wide phone. Then search, the copy button and the colour-scheme toggle are used as
a reader would use them, and the 404 page is opened on a project site's sub-path.

With CI=true these tests must run; elsewhere they skip, with the reason, when Chromium or
Playwright is missing.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import SITE_URL, requires_browser

pytestmark = requires_browser()


def site_pages(site: Path) -> list[str]:
    """Every HTML page of the site, as a URL path."""
    pages = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        pages.append("/" if rel == "." else f"/{rel}/")
    return pages


class PageVisit:
    """Open one page and record everything that went wrong on the way."""

    def __init__(self, browser, base: str, path: str, width: int = 390):
        self.context = browser.new_context(viewport={"width": width, "height": 800})
        self.page = self.context.new_page()
        self.errors, self.failed, self.foreign = [], [], []
        host = urlparse(base).netloc
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} {r.status}"))
        self.page.on("request", lambda r: urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:")
                     and self.foreign.append(r.url))
        self.page.goto(base + path, wait_until="networkidle")

    def close(self):
        self.context.close()


def typeset_all(page) -> None:
    """math.js typesets a formula as it nears the screen, and every one before printing: ask for them all."""
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")


def test_every_page_loads_clean_offline_and_fits_a_phone(browser, server, built_site):
    problems = []
    for path in site_pages(built_site):
        visit = PageVisit(browser, server, path)
        page = visit.page
        typeset_all(page)  # so that a formula KaTeX cannot typeset shows up as a console error
        raw_math = page.evaluate(
            """() => [...document.querySelectorAll('.arithmatex')].filter(e => !e.querySelector('.katex'))
                   .map(e => e.textContent.slice(0, 60))"""
        )
        images = page.evaluate(  # figures load lazily: ask for each one, as scrolling past it would
            """async () => { const imgs = [...document.querySelectorAll('article img')];
                   await Promise.all(imgs.map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }));
                   return imgs.map(i => ({src: i.getAttribute('src'),
                   loaded: i.complete && i.naturalWidth > 0, alt: (i.getAttribute('alt') || '').trim()})); }"""
        )
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        for kind, items in [("console error", visit.errors), ("failed request", visit.failed),
                            ("request to another host", visit.foreign), ("unrendered math", raw_math)]:
            problems += [f"{path}: {kind}: {item}" for item in items]
        problems += [f"{path}: image not loaded: {i['src']}" for i in images if not i["loaded"]]
        problems += [f"{path}: image without alt text: {i['src']}" for i in images if not i["alt"]]
        if overflow > 0:
            problems.append(f"{path}: {overflow}px of horizontal overflow at 390px wide")
        visit.close()
    assert not problems, "\n".join(problems)


def test_chapter_pages_have_rendered_math(browser, server, built_site):
    visit = PageVisit(browser, server, "/tensors/", width=1200)
    typeset_all(visit.page)
    assert visit.page.locator(".arithmatex .katex").count() >= 2
    text = visit.page.locator("article").inner_text()
    assert "$$" not in text and "\\(" not in text
    visit.close()


def test_math_is_typeset_a_screen_ahead_of_the_reader(browser, server, built_site):
    visit = PageVisit(browser, server, "/gradient_descent/", width=390)
    page = visit.page
    typeset = "el => !!el.querySelector('.katex')"
    formulas = page.locator("article .arithmatex:visible")
    first, last = formulas.first, formulas.last
    page.wait_for_function(typeset, arg=first.element_handle(), timeout=5000)
    # typeset without scrolling: it lies within the screen below the first, where math.js looks ahead
    assert first.evaluate("el => el.getBoundingClientRect().top") < 2 * page.viewport_size["height"]
    assert not last.evaluate(typeset), "a formula far down the page was typeset before the reader got near it"
    last.scroll_into_view_if_needed()
    page.wait_for_function(typeset, arg=last.element_handle(), timeout=5000)
    assert "\\(" not in last.inner_text() and "\\[" not in last.inner_text()
    # a formula in a closed fold waits until the reader opens the fold
    fold = page.locator("article details:not([open]):has(.arithmatex)").first.element_handle()  # fixed, once open
    summary, inside = fold.query_selector("summary"), fold.query_selector_all(".arithmatex")[-1]
    summary.scroll_into_view_if_needed()
    assert not inside.evaluate(typeset)
    summary.click()
    page.wait_for_function(typeset, arg=inside, timeout=5000)
    assert not visit.errors
    visit.close()


@pytest.mark.parametrize("query,chapter", [("backpropagation", "/backpropagation/"), ("broadcasting", "/tensors/")])
def test_search_finds_the_right_chapter(browser, server, query, chapter):
    visit = PageVisit(browser, server, "/", width=1200)
    page = visit.page
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially(query, delay=20)  # Material listens to keys
    first = page.locator(".md-search-result__link").first
    first.wait_for(timeout=10000)
    assert urlparse(first.get_attribute("href")).path.rstrip("/").endswith(chapter.rstrip("/"))
    visit.close()


def test_copy_button_copies_exactly_the_code(browser, server):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(server + "/tensors/", wait_until="networkidle")
    block = page.locator("article .highlight:not(.snippet-output)").first
    code = block.locator("code").inner_text()
    block.hover()
    block.locator("button[data-md-type=copy]").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied.strip() == code.strip() and "torch.manual_seed(0)" in copied
    assert page.locator("article .snippet-output button[data-md-type=copy]").count() == 0  # outputs are not for pasting
    context.close()


def test_colour_scheme_toggle_switches_light_and_dark(browser, server):
    visit = PageVisit(browser, server, "/tensors/", width=1200)
    page = visit.page
    scheme = lambda: page.evaluate("() => document.body.getAttribute('data-md-color-scheme')")  # noqa: E731
    before = scheme()
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_timeout(100)
    after = scheme()
    assert {before, after} == {"default", "slate"}
    visit.close()


def test_the_search_dialog_has_a_name(browser, server):
    visit = PageVisit(browser, server, "/", width=1200)
    assert visit.page.locator(".md-search[role=dialog]").get_attribute("aria-label") == "Search"
    visit.close()


def test_the_404_page_is_styled_on_a_project_sub_path(browser, subpath_site):
    """Served as GitHub Pages serves a project site: under /book/, with 404.html for any unknown address."""
    import functools
    import http.server
    import threading

    prefix = urlparse(SITE_URL).path  # /book/

    class PagesHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send_head(self):
            path = urlparse(self.path).path
            if path.startswith(prefix):
                self.path = "/" + path[len(prefix):]
                if Path(self.translate_path(self.path)).exists():
                    return super().send_head()
            body = (subpath_site / "404.html").read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return __import__("io").BytesIO(body)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(PagesHandler, directory=str(subpath_site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        visit = PageVisit(browser, base, prefix + "no/such/page/", width=1200)
        failed = [f for f in visit.failed if not f.startswith(f"{base}{prefix}no/such/page/ ")]  # but the page itself
        errors = [e for e in visit.errors if "status of 404" not in e]  # a missing asset would be in `failed`
        assert not failed and not visit.foreign and not errors, (failed, visit.foreign, errors)
        header = visit.page.evaluate("() => getComputedStyle(document.querySelector('.md-header')).position")
        assert header == "sticky", "Material's stylesheet did not load: the 404 page is unstyled"
        assert "404" in visit.page.locator("h1").inner_text()
        visit.close()
    finally:
        httpd.shutdown()
