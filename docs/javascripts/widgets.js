// What the chapter's widgets (the two explorers, the practice questions and the
// window converter) share: their data, fetched once per file, and mounting on every
// page Material's instant navigation shows, without reloading the scripts.
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

  window.ChapterWidget = { el, start };
})();
