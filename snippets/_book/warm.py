"""Imported once, by the build's fork server: make matplotlib's first figure of each page cheap.

Every page process is forked from that server, so what this module loads, each page starts with.
Nothing a page prints or draws depends on it: the figure drawn here is closed, no random state is
touched, and ``tests/test_site.py`` checks that the site is byte-identical with and without it.

1. Draw and save one small figure, so that matplotlib's fonts, its math-text parser and its
   log-scale tick machinery are loaded already: a page's figures save about 0.15-0.2 s sooner.
2. Share parsed math text between renderers. Matplotlib caches a parsed string such as the tick
   label ``$\\mathdefault{10^{-2}}$`` per renderer, and ``savefig(bbox_inches="tight")`` makes two
   renderers for every figure, so a log-scale axis parses each label again and again. The parse
   depends only on the string, the size, the font and the output type, so one cache serves all:
   the training loop chapter's figures save 0.15 s sooner.
"""

import io

import matplotlib.pyplot as plt
from matplotlib.mathtext import MathTextParser

# A patch of a private method, kept on purpose: matplotlib has no public way to share parsed math text between
# renderers. Its public MathTextParser.parse caches per parser object, and each renderer makes its own parser.
# Measured on a three-panel log-log figure: about 1.35 s to save with this patch, 2.3-3.0 s without (a loaded
# machine). If a matplotlib release renames the method, the getattr below finds nothing and pages are just slower;
# tests/test_engine.py checks that the figures are the same bytes either way.
_parse = getattr(MathTextParser._parse_cached, "__wrapped__", None)  # matplotlib's parse, without its cache
if _parse is not None:  # a matplotlib without that private method just keeps its own caching
    _parsed = {}

    def _parse_shared(parser, *args):  # args: the string, dpi, font properties, antialiasing, glyph flags
        key = (parser._output_type, *args)
        if key not in _parsed:
            _parsed[key] = _parse(parser, *args)
        return _parsed[key]

    MathTextParser._parse_cached = _parse_shared

_figure, _axes = plt.subplots(figsize=(2, 1.5))
_axes.plot([1, 10], [1, 10], label="$w_1$")
_axes.set(title=r"$\alpha$", xlabel="x", xscale="log", yscale="log")
_axes.legend()
with plt.rc_context({"svg.fonttype": "none"}):
    _figure.savefig(io.StringIO(), format="svg", bbox_inches="tight")
plt.close(_figure)
