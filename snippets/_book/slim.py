"""Slimmer code blocks: the same colours with fewer elements, so long chapters stay quick on a phone.

Pygments wraps every token of highlighted code in a ``<span>``: a chapter of ninety code blocks
carries some 8,000 of them, and the browser styles and lays out each one (Lighthouse counted 14,000
elements on the longest page, and most of its blocking time went to style and layout). With
Material's colours, many of those spans change nothing:

* names (``n``) take the code's own colour, and whitespace (``w``) has none: their spans go;
* neighbouring tokens of one colour (``(`` then ``)``; the parts of an f-string), with only spaces
  between them, become one span: operators and punctuation share a colour, and so do all kinds of string.

The labs' code, highlighted by nbconvert for the Jupyter theme, gets the same treatment, except that
the theme sets operators in bold, apart from punctuation (:data:`JUPYTER`).

The text is untouched, so a copy button copies the same code; tests/test_engine.py checks both.
"""

from __future__ import annotations

import re

PLAIN = re.compile(r'<span class="(?:n|w)">([^<]*)</span>')
# Token classes a theme gives the same colour: each maps to the one class kept for its group.
STRINGS = {c: "s2" for c in ("s", "s1", "s2", "sb", "sc", "si", "ss", "l", "cpf")}
MATERIAL = {"o": "p", "ow": "p", "p": "p", **STRINGS}  # Material: operators and punctuation alike
JUPYTER = {"p": "p", **STRINGS}  # the labs' Jupyter theme: operators bold, punctuation not
TAG = re.compile(r"<[^>]+>")


def slim_code(html: str, groups: dict[str, str] = MATERIAL, element: str = "code") -> str:
    """``html`` with the spans inside its ``<code>`` elements (or other ``element``) cut down as described
    above, where ``groups`` maps each token class to the class of its colour."""
    token = re.compile(r'<span class="(' + "|".join(sorted(groups, key=len, reverse=True)) + r')">([^<]*)</span>')
    kept = "|".join(sorted(set(groups.values())))
    run = re.compile(r'<span class="(' + kept + r')">[^<]*</span>(?:[ \t]*<span class="\1">[^<]*</span>)+')

    def slim(code: str) -> str:
        code = PLAIN.sub(r"\1", code)
        code = token.sub(lambda m: f'<span class="{groups[m.group(1)]}">{m.group(2)}</span>', code)
        return run.sub(lambda m: f'<span class="{m.group(1)}">{TAG.sub("", m.group(0))}</span>', code)

    block = re.compile(rf"(<{element}\b[^>]*>)(.*?)(</{element}>)", re.S)
    return block.sub(lambda m: m.group(1) + slim(m.group(2)) + m.group(3), html)
