// What the chapter's widgets (the two explorers, the practice questions and the
// window converter) share: their data, fetched once per file, and mounting on every
// page Material's instant navigation shows, without reloading the scripts; building
// elements and forms; checking a whole-number field and showing its message.
(() => {
  "use strict";

  const promises = new Map();
  const loadData = (url) => {
    if (!promises.has(url)) {
      promises.set(
        url,
        fetch(url).then((response) => {
          if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
          return response.json();
        }),
      );
    }
    return promises.get(url);
  };

  const el = (tag, attrs = {}, text = "") => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  };

  const svgEl = (tag, attrs = {}) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    return node;
  };

  // A form for a widget's controls: Enter in a number field would submit it and
  // reload the page.
  const controlsForm = (className) => {
    const node = el("form", { class: className, novalidate: "" });
    node.addEventListener("submit", (event) => event.preventDefault());
    return node;
  };

  // No valid whole number in a widget is this long; longer text is rejected
  // before it is parsed.
  const MAX_CHARS = 24;

  // The first thing wrong with a whole-number field, as { error }, or its { value };
  // spec gives the field's name, min and max. Constant time: the length is bounded
  // before Number() reads the text.
  const checkWhole = (spec, input) => {
    const text = input.value.trim();
    const range = `${spec.name} must be from ${spec.min} to ${spec.max}.`;
    // The browser keeps text it cannot read as a number (such as "1e" or 400
    // nines) to itself and reports an empty value.
    if (input.validity.badInput) return { error: `${spec.name} must be a whole number from ${spec.min} to ${spec.max}.` };
    if (text === "") return { error: `Enter a whole number for ${spec.name}.` };
    if (text.length > MAX_CHARS) return { error: range };
    const value = Number(text);
    if (!Number.isFinite(value)) return { error: `${spec.name} must be a number.` };
    if (!Number.isInteger(value)) return { error: `${spec.name} must be a whole number.` };
    if (value < spec.min || value > spec.max) return { error: range };
    return { value };
  };

  // A field's message beside its control ("" clears it); the control is marked
  // invalid while there is one. Unchanged text is not rewritten, so the live
  // region does not announce it again.
  const showError = ({ control, error }, message) => {
    if (error.textContent !== message) error.textContent = message;
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  };

  // mount(root, index, data) for every not yet mounted element matching selector,
  // once url's data has arrived; the flag keeps mounting idempotent.
  const start = (selector, url, label, mount) => {
    const mountAll = () => {
      const roots = [...document.querySelectorAll(selector)].filter(
        (root) => root.dataset.mounted !== "true",
      );
      if (roots.length === 0) return;
      roots.forEach((root) => {
        root.dataset.mounted = "true";
      });
      loadData(url)
        .then((data) => roots.forEach((root, index) => mount(root, index, data)))
        .catch((error) => {
          // The fallback note and the static figures stay; the error reaches the console.
          roots.forEach((root) => {
            root.dataset.mounted = "failed";
          });
          console.error(`${label}:`, error);
        });
    };
    if (typeof window.document$ !== "undefined") {
      window.document$.subscribe(mountAll);
    } else if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", mountAll);
    } else {
      mountAll();
    }
  };

  // A formula as the page draws it: the build puts each formula a widget shows on the
  // page, hidden, as page math (chapter/site/explorer_data.py); this is a copy of its drawing,
  // marked with its TeX. A formula missing from the page is a build error, reported.
  const formula = (tex) => {
    const drawn = [...document.querySelectorAll(".widget-formulas [data-tex]")].find((node) => node.dataset.tex === tex);
    if (!drawn) {
      console.error(`formula not drawn on this page: ${tex}`);
      return document.createTextNode(tex);
    }
    return drawn.cloneNode(true);
  };

  window.ChapterWidget = { el, svgEl, controlsForm, checkWhole, showError, start, formula };
})();
