() => {
  for (const block of document.querySelectorAll('details')) block.open = true;
  const zooms = [];
  for (const box of document.querySelectorAll('.md-typeset mjx-container[display="true"]')) {
    const holder = getComputedStyle(box.parentElement);
    const room = box.parentElement.clientWidth - parseFloat(holder.paddingLeft)
      - parseFloat(holder.paddingRight);
    const need = Math.max(box.scrollWidth, box.getBoundingClientRect().width);
    if (need > room + 0.5) {
      box.style.zoom = room / need;
      zooms.push(room / need);
    }
  }
  return zooms;
}
