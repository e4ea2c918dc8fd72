"""Slimmer code blocks: the same colours with fewer elements, so long chapters stay quick on a phone.

Pygments wraps every token of highlighted code in a ``<span>``: a chapter of ninety code blocks
carries some 8,000 of them, and the browser styles and lays out each one (Lighthouse counted 14,000
elements on the longest page, and most of its blocking time went to style and layout). With
Material's colours, many of those spans change nothing:

* names (``n``) take the code's own colour, and whitespace (``w``) has none: their spans go;
* neighbouring tokens of one colour (``(`` then ``)``; the parts of an f-string), with only spaces
  between them, become one span: operators and punctuation share a colour, and so do all kinds of string.

The text is untouched, so a copy button copies the same code; tests/test_engine.py checks both.
"""

from __future__ import annotations

import re

PLAIN = re.compile(r'<span class="(?:n|w)">([^<]*)</span>')
# Token classes Material gives the same colour: each maps to the one class kept for its group.
SAME_COLOUR = {"o": "p", "ow": "p", "p": "p",
               **{c: "s2" for c in ("s", "s1", "s2", "sb", "sc", "si", "ss", "l", "cpf")}}
TOKEN = re.compile(r'<span class="(' + "|".join(sorted(SAME_COLOUR, key=len, reverse=True)) + r')">([^<]*)</span>')
RUN = re.compile(r'<span class="(p|s2)">[^<]*</span>(?:[ \t]*<span class="\1">[^<]*</span>)+')
TAG = re.compile(r"<[^>]+>")
CODE = re.compile(r'(<code\b[^>]*>)(.*?)(</code>)', re.S)


def slim_code(html: str) -> str:
    """``html`` with the spans inside its ``<code>`` elements cut down as described above."""
    return CODE.sub(lambda m: m.group(1) + slim(m.group(2)) + m.group(3), html)


def slim(code: str) -> str:
    code = PLAIN.sub(r"\1", code)
    code = TOKEN.sub(lambda m: f'<span class="{SAME_COLOUR[m.group(1)]}">{m.group(2)}</span>', code)
    return RUN.sub(lambda m: f'<span class="{m.group(1)}">{TAG.sub("", m.group(0))}</span>', code)
