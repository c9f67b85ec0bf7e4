([local, published, inPdf, anchors]) => {
  for (const link of document.querySelectorAll('a[href]')) {
    if (link.href.startsWith(local)) {
      const path = link.href.slice(local.length);
      link.href = published + path;
      if (inPdf.includes(path.split('#')[0])) link.classList.add('print-bare-link');
    }
  }
  for (const id of anchors) {
    const link = document.createElement('a');
    link.href = '#' + encodeURIComponent(id);
    link.hidden = true;
    document.body.append(link);
  }
}
