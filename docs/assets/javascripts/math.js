// Render the LaTeX that pymdownx.arithmatex wraps in .arithmatex, with the KaTeX served by this site.
// Material's instant navigation swaps pages without reloading, so render on every page change.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: true,
  });
});
