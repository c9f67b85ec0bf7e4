// MathJax 3 set-up, after Material for MkDocs' documented recipe, self-hosted.
// Arithmatex wraps page math in \( \) and \[ \]; notebook Markdown cells keep
// Jupyter's $ and $$, so those are processed inside notebook cells only.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex|jp-MarkdownOutput",
  },
};

// Material's instant navigation swaps pages without reloading scripts, so
// typeset again on every page it shows.
document$.subscribe(() => {
  if (!window.MathJax.startup || !window.MathJax.startup.output) {
    return; // first load: MathJax typesets the page itself once it is ready
  }
  MathJax.startup.output.clearCache();
  MathJax.typesetClear();
  MathJax.texReset();
  MathJax.typesetPromise();
});
