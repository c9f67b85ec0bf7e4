// Print preparation that CSS cannot do: open every collapsible block, switch to the
// light palette, and mark links whose text already is their address (the print
// stylesheet prints other links' addresses after them). All of it is undone after
// printing, so the page on screen is as the reader left it.
(() => {
  const undo = [];

  const bare = (text) => text.trim().replace(/^https?:\/\//, "").replace(/\/$/, "");

  window.addEventListener("beforeprint", () => {
    for (const details of document.querySelectorAll("details:not([open])")) {
      details.open = true;
      undo.push(() => { details.open = false; });
    }
    for (const node of document.querySelectorAll("[data-md-color-scheme]")) {
      const scheme = node.getAttribute("data-md-color-scheme");
      if (scheme !== "default") {
        node.setAttribute("data-md-color-scheme", "default");
        undo.push(() => node.setAttribute("data-md-color-scheme", scheme));
      }
    }
    for (const link of document.querySelectorAll(".md-typeset a[href^='http']")) {
      if (!link.classList.contains("print-bare-link")
          && bare(link.textContent) === bare(link.getAttribute("href"))) {
        link.classList.add("print-bare-link");
        undo.push(() => link.classList.remove("print-bare-link"));
      }
    }
  });

  window.addEventListener("afterprint", () => {
    while (undo.length) undo.pop()();
  });
})();
