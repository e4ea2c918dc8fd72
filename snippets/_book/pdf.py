"""Owns the whole book as one PDF, made after the site is built (the plugin calls :func:`make_pdf`).

The chapters' built pages, in reading order, are put on one print page: a cover, a table of
contents, then each chapter from a new sheet, with its folded code opened (a PDF cannot be
clicked) and its ids made unique. Chromium prints that page with page numbers and a PDF
outline, through Playwright: the same browser the tests drive. No hand-written PDF layout.
The print page is removed afterwards: it is the PDF's source, not a page of the site.

* The PDF is cached under a hash of the print page and of every file it loads (figures, styles,
  scripts), so a warm build copies it, and any change to what it shows makes it again.
* With no browser, a local build skips the PDF with a one-line notice; under ``CI=true`` it must
  be made, so the build fails instead. ``BOOK_PDF=0`` skips it on purpose; ``mkdocs serve``
  never makes it. The browser is ``$BOOK_CHROMIUM``, else ``chromium`` on the PATH, else
  Playwright's own.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import shutil
from pathlib import Path

from snippets._book.cells import BookError

LOG = logging.getLogger("mkdocs.plugins.book")
PDF_NAME = "how-neural-networks-learn.pdf"
PRINT_DIR = "print"  # the print page, site/print/index.html: one level down, like every chapter page
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]

ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
TITLE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
PRINT_CSS = """
<style>
  .book-print-chapter { break-before: page; }
  .book-print-cover { text-align: center; padding-top: 30vh; }
  .book-print-cover h1 { font-size: 2.4rem; }
  .book-print-contents ol { font-size: 0.9rem; }
  .md-typeset .headerlink, .md-typeset .book-links { display: none; }
  .md-typeset div.highlight { content-visibility: visible; }   /* the screen's lazy layout, off */
  @media print { .md-typeset details { break-inside: auto; } }
</style>
"""


def make_pdf(site: Path, chapters: list[str], cache: Path) -> Path | None:
    """Write ``site/how-neural-networks-learn.pdf`` from the built pages of ``chapters`` (in reading order).

    Returns the PDF, or None where no browser can print it (a notice is logged; under CI=true it fails).
    """
    if not chapters:  # a book with no chapter pages has nothing to print
        return None
    page = print_page(site, chapters)
    (site / PRINT_DIR).mkdir(exist_ok=True)
    (site / PRINT_DIR / "index.html").write_text(page, encoding="utf-8")
    cached = cache / f"{content_hash(page, site / PRINT_DIR)}.pdf"
    try:
        if not cached.is_file():
            browser = find_browser()
            if browser is None:
                message = "no Chromium found (set BOOK_CHROMIUM, or install chromium), so the book's PDF was not made"
                if os.environ.get("CI") == "true":
                    raise BookError(f"{message}; CI=true needs it")
                LOG.info(f"book: {message}")
                return None
            cache.mkdir(parents=True, exist_ok=True)
            for old in cache.glob("*.pdf"):
                old.unlink()
            print_pdf(site / PRINT_DIR / "index.html", cached, browser)
        shutil.copyfile(cached, site / PDF_NAME)
        return site / PDF_NAME
    finally:  # the print page is only the PDF's source, not a page of the site
        shutil.rmtree(site / PRINT_DIR)


def print_page(site: Path, chapters: list[str]) -> str:
    """One HTML page holding every chapter's article, built on the first chapter's page (its styles and scripts)."""
    template = (site / chapters[0] / "index.html").read_text(encoding="utf-8")
    sections, contents = [], []
    for name in chapters:
        built = (site / name / "index.html").read_text(encoding="utf-8")
        article = ARTICLE.search(built).group(1)
        heading = re.sub(r'<a class="headerlink".*?</a>', "", TITLE.search(article).group(1))
        title = re.sub(r"<[^>]+>", "", heading).strip()
        contents.append(f'<li><a href="#{name}--">{title}</a></li>')
        sections.append(f'<section class="book-print-chapter" id="{name}--">{unique_ids(article, name, chapters)}</section>')
    cover = ('<div class="book-print-cover"><h1>How Neural Networks Learn</h1>'
             "<p>An executable textbook: every output in it was produced by running its code.</p></div>"
             '<section class="book-print-chapter book-print-contents"><h2>Contents</h2><ol>'
             + "".join(contents) + "</ol></section>")
    body = cover + "".join(sections)
    start, end = ARTICLE.search(template).span(1)
    page = template[:start] + body + template[end:]
    page = re.sub(r"<title>.*?</title>", "<title>How Neural Networks Learn</title>", page, count=1, flags=re.S)
    page = page.replace("</head>", PRINT_CSS + "</head>", 1)
    if "katex.min.js" not in page:  # the first chapter had no math: load KaTeX as the math pages do
        page = page.replace("</body>", '<link rel="stylesheet" href="../assets/vendor/katex/katex.min.css">'
                            '<script defer src="../assets/vendor/katex/katex.min.js"></script>'
                            '<script defer src="../assets/javascripts/math.js"></script></body>', 1)
    return page


def unique_ids(article: str, name: str, chapters: list[str]) -> str:
    """Prefix a chapter's ids with its name, point its links at the sections of the print page, open its folds."""
    article = re.sub(r'\bid="([^"]*)"', lambda m: f'id="{name}--{m.group(1)}"', article)
    article = re.sub(r'href="#([^"]*)"', lambda m: f'href="#{name}--{m.group(1)}"', article)

    def chapter_link(m):
        target, anchor = m.group(1), m.group(2) or ""
        return f'href="#{target}--{anchor}"' if target in chapters else m.group(0)

    article = re.sub(r'href="\.\./([a-z_]+)/(?:#([^"]*))?"', chapter_link, article)
    article = article.replace("<details", "<details open").replace(' loading="lazy"', "")
    return article


def content_hash(page: str, where: Path) -> str:
    """A hash of the print page and of every local file it loads: the PDF changes only when one of them does."""
    digest = hashlib.sha256(page.encode())
    for ref in sorted(set(re.findall(r'(?:src|href)="(\.\./[^"#?]+)"', page))):
        path = (where / html.unescape(ref)).resolve()
        if path.is_file():
            digest.update(ref.encode() + path.read_bytes())
    return digest.hexdigest()[:24]


def find_browser() -> str | None:
    """``$BOOK_CHROMIUM``, else chromium on the PATH, else Playwright's own browser; None without Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    candidates = [os.environ.get("BOOK_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")]
    for path in candidates:
        if path and Path(path).is_file():
            return path
    with sync_playwright() as p:
        bundled = p.chromium.executable_path
    return bundled if bundled and Path(bundled).is_file() else None


def print_pdf(page: Path, out: Path, browser: str) -> None:
    """Let Chromium print ``page`` to ``out``: A4, page numbers in the footer, an outline from the headings."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=browser, headless=True, args=CHROMIUM_FLAGS)
        tab = chromium.new_page()
        tab.goto(page.resolve().as_uri(), wait_until="load")
        tab.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")  # math.js typesets every formula
        tab.wait_for_function("() => [...document.querySelectorAll('.arithmatex')].every(e => e.querySelector('.katex'))",
                              timeout=60000)
        tab.emulate_media(media="print")
        tab.pdf(path=str(out), format="A4", print_background=True, outline=True, tagged=True,
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
                display_header_footer=True, header_template="<span></span>",
                footer_template='<div style="font-size:8px;width:100%;text-align:center;color:#555">'
                                '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
        chromium.close()
    same_every_time(out)


def same_every_time(pdf: Path) -> None:
    """Chromium stamps the time it printed: fix it (same length, so no offset in the file moves)."""
    data = re.sub(rb"/(CreationDate|ModDate) \(D:\d{14}", lambda m: b"/" + m.group(1) + b" (D:20000101000000",
                  pdf.read_bytes())
    pdf.write_bytes(data)
