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

  // A chapter has up to a hundred formulas. Rendering them all at once keeps a phone busy
  // for a long moment after the page appears, so they are rendered in document order (the
  // top of the page first), a few milliseconds' worth at a time, each batch a task of its
  // own, so that the browser can paint and answer the reader in between.
  const BATCH_MS = 6;

  function renderMath(root) {
    const todo = [...root.querySelectorAll(".arithmatex")].filter((el) => !el.querySelector(".katex"));
    let next = 0;
    function batch() {
      const end = performance.now() + BATCH_MS;
      while (next < todo.length) {
        render(todo[next++]);
        if (performance.now() >= end) break;
      }
      if (next < todo.length) setTimeout(batch, 0);
    }
    if (todo.length) setTimeout(batch, 0);
  }

  document$.subscribe(({ body }) => renderMath(body));
})();
