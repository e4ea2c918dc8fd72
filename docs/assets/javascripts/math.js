// Render the LaTeX that pymdownx.arithmatex (generic mode) wraps in .arithmatex elements,
// with the KaTeX served by this site: \( ... \) in a <span> is inline math, \[ ... \] (or a
// bare \begin{...} environment) in a <div> is display math. Only those elements are touched,
// so a dollar sign in prose or code is never taken for math, and no text outside them is
// walked. The page template loads KaTeX and this file only on pages that have math.
// Material's instant navigation swaps pages without reloading, so render on every page change.
(function () {
  const DELIMITERS = [
    ["\\(", "\\)"],
    ["\\[", "\\]"],
    ["$$", "$$"],
    ["$", "$"],
  ];

  function unwrap(text) {
    const tex = text.trim();
    for (const [left, right] of DELIMITERS) {
      if (tex.length >= left.length + right.length && tex.startsWith(left) && tex.endsWith(right)) {
        return tex.slice(left.length, tex.length - right.length);
      }
    }
    return tex;
  }

  function render(el) {
    const source = el.textContent;
    try {
      katex.render(unwrap(source), el, { displayMode: el.tagName !== "SPAN", throwOnError: true });
    } catch (err) {
      // Like KaTeX's auto-render: report it and leave the TeX as it was written.
      console.error(`KaTeX: failed to render ${source.trim()}:`, err);
      el.textContent = source;
    }
  }

  // A chapter has up to a hundred formulas. Typesetting them all as the page opens keeps a
  // phone busy for a long moment, and each one changes the page's layout, which the theme then
  // measures again. So a formula is typeset only as it comes near the screen: the first screen's
  // at once, the rest as the reader scrolls, a screen before they come into view.
  // Printing (Ctrl+P, or the book's PDF) typesets every formula that is still waiting first.
  let observer = null;
  let waiting = new Set();

  function renderAll() {
    for (const el of waiting) render(el);
    waiting.clear();
    if (observer) observer.disconnect();
  }

  function renderMath(root) {
    if (observer) observer.disconnect();
    waiting = new Set([...root.querySelectorAll(".arithmatex")].filter((el) => !el.querySelector(".katex")));
    if (!("IntersectionObserver" in window)) return renderAll();
    observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          if (!entry.isIntersecting || !waiting.delete(entry.target)) continue;
          observer.unobserve(entry.target);
          render(entry.target);
        }
      },
      { rootMargin: "100% 0px" },  // a screen's height above and below the one in view
    );
    for (const el of waiting) observer.observe(el);
  }

  window.addEventListener("beforeprint", renderAll);
  document$.subscribe(({ body }) => renderMath(body));
})();
