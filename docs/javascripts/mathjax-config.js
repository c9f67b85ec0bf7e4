// MathJax 3 set-up, after Material for MkDocs' documented recipe, self-hosted.
// Arithmatex wraps page math in \( \) and \[ \]; notebook Markdown cells keep
// Jupyter's $ and $$. Any element with a class is skipped, and so is all it
// holds, unless it is an arithmatex span or a notebook Markdown cell; elements
// without a class inherit, so the paragraphs inside a Markdown cell are read.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".+",
    processHtmlClass: "arithmatex|jp-MarkdownOutput",
  },
};

// Material's instant navigation swaps pages without reloading scripts, so
// typeset again on every page it shows.
document$.subscribe(() => {
  if (!window.MathJax.startup || !window.MathJax.startup.output) {
    return; // first load: MathJax typesets the page itself once it is ready
  }
  // Only the CHTML output keeps a font cache; the SVG output has none to clear.
  if (MathJax.startup.output.clearCache) {
    MathJax.startup.output.clearCache();
  }
  MathJax.typesetClear();
  MathJax.texReset();
  MathJax.typesetPromise();
});
