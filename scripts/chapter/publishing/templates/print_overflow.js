// What of a page laid out for paper its column cannot hold: the page wider than the
// column, or a display formula drawn past its box. Run after fit_to_paper.js.
(column) => {
  const found = [];
  if (document.documentElement.scrollWidth > column) {
    found.push(`page ${document.documentElement.scrollWidth} px wide`);
  }
  for (const box of document.querySelectorAll('.md-typeset mjx-container[display="true"]')) {
    const holder = box.parentElement.getBoundingClientRect();
    const drawn = box.querySelector('svg').getBoundingClientRect();
    const zoom = Number(box.style.zoom || 1);
    if (box.scrollWidth * zoom > box.parentElement.clientWidth + 1
        || drawn.left < holder.left - 1 || drawn.right > holder.right + 1) {
      found.push(`formula ${box.textContent.slice(0, 30)}: ${Math.round(drawn.width)} px`);
    }
  }
  return found;
}
