"""The whole book as one PDF: made by the build, with every chapter, a contents page and page numbers."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, chapter_modules, requires_browser

pytestmark = requires_browser()  # the PDF is printed by the same Chromium; under CI=true it must be made


@pytest.fixture(scope="module")
def book(built_site):
    from pypdf import PdfReader

    path = built_site / "how-neural-networks-learn.pdf"
    assert path.is_file(), "the build made no PDF"
    return PdfReader(path)


@pytest.fixture(scope="module")
def text(book) -> str:
    """The PDF's text, extracted once for the tests that read it (a few seconds for 300 pages)."""
    return "\n".join(page.extract_text() for page in book.pages)


def chapter_titles() -> list[str]:
    titles = []
    for chapter in chapter_modules():
        text = (ROOT / "docs" / f"{chapter}.md").read_text(encoding="utf-8")
        titles.append(re.search(r"^# (.+)$", text, re.M).group(1).strip())
    return titles


def test_every_chapter_is_in_the_pdf_in_reading_order(book, text):
    titles = chapter_titles()
    starts = [text.find(title, text.find("Contents") + len("Contents") + sum(len(t) for t in titles)) for title in titles]
    assert all(s >= 0 for s in starts), [t for t, s in zip(titles, starts) if s < 0]
    outline = [item.title for item in book.outline if not isinstance(item, list)]
    assert [t for t in outline if t in titles] == titles  # the PDF's bookmarks, in reading order


def test_every_formula_in_the_pdf_is_typeset(text):
    # the site typesets a formula only as it nears the screen; printing must typeset them all first
    assert not re.findall(r"\\\(|\\\[|\\frac|\\partial", text)


def test_the_pdf_has_a_contents_page_and_numbered_pages(book):
    pages = len(book.pages)
    assert pages >= 10 * len(chapter_modules()) // 2  # chapters start on new sheets and run several pages
    contents = book.pages[1].extract_text()
    assert "Contents" in contents and all(title in contents for title in chapter_titles())
    last = book.pages[-1].extract_text()
    assert re.search(rf"\b{pages}\s*/\s*{pages}\b", last), "the footer numbers the pages"


def test_the_home_page_offers_the_pdf(built_site):
    home = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'href="how-neural-networks-learn.pdf"' in home
