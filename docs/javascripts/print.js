// Print preparation that CSS cannot do: switch to the light palette, and mark links
// whose text already is their address (the print stylesheet prints other links'
// addresses after them). Both are undone after printing. Material itself opens
// every collapsible block for printing and closes it again.
(() => {
  const undo = [];

  const bare = (text) => text.trim().replace(/^https?:\/\//, "").replace(/\/$/, "");

  window.addEventListener("beforeprint", () => {
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
