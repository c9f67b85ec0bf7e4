// A display formula or a table wider than the screen scrolls sideways inside
// its own box. Keyboard users can scroll it only if the box takes focus, so a
// box that overflows gets tabindex="0" and one that fits stays out of the Tab
// order. (Material does the same for code blocks itself.)
const SCROLL_BOXES = ".md-typeset div.arithmatex, .md-typeset .md-typeset__scrollwrap";

const scrollBoxes = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    if (target.scrollWidth > target.clientWidth) {
      target.tabIndex = 0;
    } else {
      target.removeAttribute("tabindex");
    }
  }
});

// Material's instant navigation swaps pages without reloading scripts.
document$.subscribe(() => {
  scrollBoxes.disconnect();
  for (const box of document.querySelectorAll(SCROLL_BOXES)) {
    scrollBoxes.observe(box);
  }
});
