"""Owns making a figure's SVG small: what matplotlib writes, less what no reader's browser needs.

Chapter pages carry many figures, and a phone downloads every byte. Matplotlib writes each
coordinate with six decimals, each label with a ten-font fallback list, a metadata block and a
no-op rotation; at the size a figure is drawn, a hundredth of a point is far below a pixel.
This is a plain rewrite of text, so the same figure always gives the same bytes.
"""

from __future__ import annotations

import re

COORDINATES = re.compile(r'\b(d|points|x|y|x1|y1|x2|y2|width|height|cx|cy|r)="([^"]*)"')
LONG_NUMBER = re.compile(r"-?\d+\.\d{3,}")
FALLBACK_FONTS = re.compile(r"font-family: ('[^']*'|[\w-]+)(?:, '[^']*')+(, (?:sans-serif|serif|monospace|cursive|fantasy))")
NO_ROTATION = re.compile(r' transform="rotate\(-?0 [\d.]+ [\d.]+\)"')
METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)


def compact_svg(svg: str) -> str:
    """The same picture in fewer bytes: coordinates to 0.01 pt, one font and its generic family, no metadata."""
    svg = METADATA.sub("", svg, count=1)
    svg = NO_ROTATION.sub("", svg)
    svg = FALLBACK_FONTS.sub(lambda m: f"font-family: {m.group(1)}{m.group(2)}", svg)
    return COORDINATES.sub(lambda m: f'{m.group(1)}="{LONG_NUMBER.sub(_two_decimals, m.group(2))}"', svg)


def _two_decimals(number: re.Match) -> str:
    text = f"{float(number.group(0)):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
