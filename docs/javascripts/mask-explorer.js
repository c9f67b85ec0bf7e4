// Mask explorer for Problem 1: pick a pattern, change n, t, w (or l, c) and
// watch the grid and the count change together. The masks and the closed
// forms mirror scripts/attention.py, which the browser tests compare against.
(() => {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  const N_MAX = 64;
  // The grid always spans GRID units, so text keeps its size as n grows.
  const GRID = 480;
  const MARGIN = { top: 26, left: 26, right: 44, bottom: 6 };

  // Whole numbers only; Number("") is 0, so emptiness is checked first.
  const parseWhole = (text) => {
    const trimmed = text.trim();
    if (trimmed === "") return { error: "empty" };
    const value = Number(trimmed);
    if (!Number.isFinite(value)) return { error: "nan" };
    if (!Number.isSafeInteger(value)) return { error: "fraction" };
    return { value };
  };

  const tri = (k) => (k * (k + 1)) / 2;

  // One entry per pattern: which parameters it reads, its mask test
  // (0-based query i, key j) and its closed form, kept in step with attention.py.
  const PATTERNS = {
    full: {
      title: "Full",
      params: [],
      computed: () => true,
      closedForm: ({ n }) => ({ text: "n²", value: n * n }),
    },
    causal: {
      title: "Causal",
      params: [],
      computed: (i, j) => j <= i,
      closedForm: ({ n }) => ({ text: "n(n+1)/2", value: tri(n) }),
    },
    strided: {
      title: "Strided (look-back t)",
      params: ["t"],
      computed: (i, j, { t }) => j <= i && i - j <= t,
      closedForm: ({ n, t }) =>
        t >= n - 1
          ? { text: "t ≥ n−1, so causal n(n+1)/2", value: tri(n) }
          : { text: "n(t+1) − t(t+1)/2", value: n * (t + 1) - tri(t) },
    },
    windowed: {
      title: "Windowed (window w)",
      params: ["w"],
      computed: (i, j, { w }) => j <= i && Math.floor(i / w) === Math.floor(j / w),
      closedForm: ({ n, w }) => ({ text: "n(w+1)/2", value: (n * (w + 1)) / 2 }),
    },
    "sparse-strided": {
      title: "Sparse Transformer strided (l)",
      params: ["l"],
      computed: (i, j, { l }) => j <= i && (i - j < l || (i - j) % l === 0),
      closedForm: ({ n, l }) => {
        const q = Math.floor(n / l);
        const r = n % l;
        const local = n <= l ? tri(n) : tri(l) + (n - l) * l;
        const head = n <= l ? "n(n+1)/2" : "l(l+1)/2 + (n−l)l";
        return {
          text: `${head} + l·q(q−1)/2 + r·q`,
          value: local + (l * q * (q - 1)) / 2 + r * q,
          note: `q = ⌊n/l⌋ = ${q}, r = n mod l = ${r}`,
        };
      },
    },
    "sparse-fixed": {
      title: "Sparse Transformer fixed (l, c)",
      params: ["l", "c"],
      computed: (i, j, { l, c }) =>
        j <= i && (Math.floor(i / l) === Math.floor(j / l) || j % l >= l - c),
      closedForm: ({ n, l, c }) => {
        const q = Math.floor(n / l);
        const r = n % l;
        return {
          text: "q·l(l+1)/2 + r(r+1)/2 + c(l·q(q−1)/2 + r·q)",
          value: q * tri(l) + tri(r) + c * ((l * q * (q - 1)) / 2 + r * q),
          note: `q = ⌊n/l⌋ = ${q}, r = n mod l = ${r}`,
        };
      },
    },
  };

  // Inputs in display order; `check` returns an error message or "".
  const FIELDS = [
    {
      key: "n",
      label: "Sequence length n",
      min: 1,
      max: N_MAX,
      value: 12,
      check: (n) => (n < 1 || n > N_MAX ? `n must be from 1 to ${N_MAX}.` : ""),
    },
    {
      key: "t",
      label: "Look-back t",
      min: 0,
      value: 3,
      check: (t) => (t < 0 ? "t must be 0 or more." : ""),
    },
    {
      key: "w",
      label: "Window w",
      min: 1,
      max: N_MAX,
      value: 4,
      check: (w, { n }) => {
        if (w < 1) return "w must be 1 or more.";
        if (n === undefined) return "";
        if (n % w !== 0) {
          const divisors = [];
          for (let d = 1; d <= n; d += 1) if (n % d === 0) divisors.push(d);
          return `w must divide n = ${n}; try ${divisors.join(", ")}.`;
        }
        return "";
      },
    },
    {
      key: "l",
      label: "Stride l",
      min: 1,
      max: N_MAX,
      value: 4,
      check: (l) => (l < 1 ? "l must be 1 or more." : ""),
    },
    {
      key: "c",
      label: "Summary keys c",
      min: 1,
      max: N_MAX,
      value: 1,
      check: (c, { l }) => {
        if (c < 1) return "c must be 1 or more.";
        if (l !== undefined && c > l) return `c must be at most l = ${l}.`;
        return "";
      },
    },
  ];

  const PARSE_ERRORS = {
    empty: (key) => `Enter a whole number for ${key}.`,
    nan: (key) => `${key} must be a number.`,
    fraction: (key) => `${key} must be a whole number.`,
  };

  const el = (tag, attrs = {}, text = "") => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  };

  const svgEl = (tag, attrs = {}) => {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    return node;
  };

  const plural = (k) => (k === 1 ? "score" : "scores");

  // Build the controls, grid and status line inside one container.
  const mount = (root, index) => {
    const id = (part) => `mask-explorer-${index}-${part}`;
    const form = el("form", { class: "mask-explorer__controls", novalidate: "" });
    // Enter in a number field would submit the form and reload the page.
    form.addEventListener("submit", (event) => event.preventDefault());

    const patternField = el("div", { class: "mask-explorer__field" });
    patternField.append(el("label", { for: id("pattern") }, "Pattern"));
    const select = el("select", { id: id("pattern") });
    for (const [value, pattern] of Object.entries(PATTERNS)) {
      const option = el("option", { value }, pattern.title);
      select.append(option);
    }
    select.value = root.dataset.pattern && PATTERNS[root.dataset.pattern] ? root.dataset.pattern : "causal";
    patternField.append(select);
    form.append(patternField);

    const inputs = {};
    for (const field of FIELDS) {
      const wrapper = el("div", { class: "mask-explorer__field", "data-param": field.key });
      const attrs = {
        id: id(field.key),
        type: "number",
        inputmode: "numeric",
        step: "1",
        min: String(field.min),
        value: root.dataset[field.key] || String(field.value),
        "aria-describedby": id(`${field.key}-error`),
      };
      if (field.max !== undefined) attrs.max = String(field.max);
      const input = el("input", attrs);
      // The message sits next to its input and is announced when it changes.
      const error = el("span", {
        id: id(`${field.key}-error`),
        class: "mask-explorer__error",
        "aria-live": "polite",
      });
      wrapper.append(el("label", { for: id(field.key) }, field.label), input, error);
      form.append(wrapper);
      inputs[field.key] = { field, input, error, wrapper };
    }

    const figure = el("div", { class: "mask-explorer__figure" });
    const status = el("p", { class: "mask-explorer__status", role: "status", id: id("status") });
    const readout = el("p", { class: "mask-explorer__row", id: id("row") });
    root.replaceChildren(form, figure, status, readout);
    root.classList.add("mask-explorer--ready");

    const state = { grid: null, active: 0 };

    const showRow = (row) => {
      const grid = state.grid;
      if (!grid) return;
      state.active = Math.max(0, Math.min(grid.n - 1, row));
      const r = state.active;
      const count = grid.rowCounts[r];
      grid.highlight.setAttribute("y", MARGIN.top + r * grid.cell);
      grid.highlight.setAttribute("height", grid.cell);
      grid.rowLabel.setAttribute("y", MARGIN.top + (r + 0.5) * grid.cell);
      grid.rowLabel.textContent = String(count);
      grid.rows.forEach((g, k) => g.setAttribute("tabindex", k === r ? "0" : "-1"));
      readout.textContent = `Row ${r + 1} of ${grid.n}: ${count} ${plural(count)} computed.`;
    };

    const draw = (name, values) => {
      const pattern = PATTERNS[name];
      const { n } = values;
      const cell = GRID / n;
      const width = MARGIN.left + GRID + MARGIN.right;
      const height = MARGIN.top + GRID + MARGIN.bottom;
      let shaded = 0;
      const rowCounts = [];
      const svg = svgEl("svg", {
        class: "mask-explorer__grid",
        viewBox: `0 0 ${width} ${height}`,
        role: "list",
      });
      const decor = svgEl("g", { "aria-hidden": "true" });
      decor.append(
        svgEl("rect", { class: "mask-explorer__empty", x: MARGIN.left, y: MARGIN.top, width: GRID, height: GRID }),
      );
      const axisKeys = svgEl("text", { class: "mask-explorer__axis", x: MARGIN.left, y: 16 });
      axisKeys.textContent = "keys j →";
      const axisQueries = svgEl("text", {
        class: "mask-explorer__axis",
        transform: `translate(16 ${MARGIN.top}) rotate(90)`,
      });
      axisQueries.textContent = "queries i →";
      decor.append(axisKeys, axisQueries);
      svg.append(decor);

      const rows = [];
      for (let i = 0; i < n; i += 1) {
        let count = 0;
        const y = MARGIN.top + i * cell;
        const g = svgEl("g", { class: "mask-explorer__rowgroup", role: "listitem", "data-row": i, tabindex: "-1" });
        // A transparent band catches the pointer anywhere on the row.
        g.append(svgEl("rect", { class: "mask-explorer__band", x: MARGIN.left, y, width: GRID, height: cell }));
        for (let j = 0; j < n; j += 1) {
          if (pattern.computed(i, j, values)) {
            count += 1;
            g.append(
              svgEl("rect", { class: "mask-explorer__on", "data-col": j, x: MARGIN.left + j * cell, y, width: cell, height: cell }),
            );
          }
        }
        shaded += count;
        rowCounts.push(count);
        g.setAttribute("aria-label", `Row ${i + 1}: ${count} ${plural(count)} computed`);
        rows.push(g);
        svg.append(g);
      }

      // Grid lines, then a dot on each diagonal cell (always computed), so the
      // diagonal reads without colour.
      const lines = [];
      for (let k = 0; k <= n; k += 1) {
        const p = k * cell;
        lines.push(`M${MARGIN.left + p} ${MARGIN.top}v${GRID}`, `M${MARGIN.left} ${MARGIN.top + p}h${GRID}`);
      }
      const overlay = svgEl("g", { "aria-hidden": "true", class: "mask-explorer__overlay" });
      overlay.append(svgEl("path", { class: "mask-explorer__lines", d: lines.join("") }));
      for (let k = 0; k < n; k += 1) {
        overlay.append(
          svgEl("circle", {
            class: "mask-explorer__diagonal",
            cx: MARGIN.left + (k + 0.5) * cell,
            cy: MARGIN.top + (k + 0.5) * cell,
            r: Math.max(1.2, cell * 0.18),
          }),
        );
      }
      const highlight = svgEl("rect", { class: "mask-explorer__highlight", x: MARGIN.left, width: GRID });
      const rowLabel = svgEl("text", { class: "mask-explorer__count", x: MARGIN.left + GRID + 6, "dominant-baseline": "central" });
      overlay.append(highlight, rowLabel);
      svg.append(overlay);

      const closed = pattern.closedForm(values);
      const params = pattern.params.map((key) => `${key} = ${values[key]}`);
      const note = closed.note ? ` (${closed.note})` : "";
      const summary = `${shaded} of ${n * n} scores computed; closed form ${closed.text} = ${closed.value}${note}`;
      svg.setAttribute(
        "aria-label",
        `${pattern.title} mask, n = ${[n, ...params].join(", ")}: ${shaded} of ${n * n} scores computed. ` +
          "Rows are queries, columns are keys.",
      );
      figure.replaceChildren(svg);
      status.textContent = summary;
      state.grid = { n, cell, rows, rowCounts, highlight, rowLabel };
      showRow(state.active);

      svg.addEventListener("pointermove", (event) => {
        const g = event.target.closest("[data-row]");
        if (g) showRow(Number(g.dataset.row));
      });
      svg.addEventListener("focusin", (event) => {
        const g = event.target.closest("[data-row]");
        if (g) showRow(Number(g.dataset.row));
      });
      svg.addEventListener("keydown", (event) => {
        const moves = {
          ArrowDown: 1,
          ArrowUp: -1,
          PageDown: 8,
          PageUp: -8,
          Home: -Infinity,
          End: Infinity,
        };
        if (!(event.key in moves)) return;
        event.preventDefault();
        const next = Math.max(0, Math.min(n - 1, state.active + moves[event.key]));
        showRow(next);
        rows[next].focus();
      });
    };

    // Validate the fields the pattern uses; draw only when all are valid.
    const update = () => {
      const name = select.value;
      const pattern = PATTERNS[name];
      const used = new Set(["n", ...pattern.params]);
      const values = {};
      const errors = {};
      for (const field of FIELDS) {
        const { input, wrapper } = inputs[field.key];
        wrapper.hidden = !used.has(field.key);
        if (!used.has(field.key)) continue;
        const parsed = parseWhole(input.value);
        if (parsed.error) errors[field.key] = PARSE_ERRORS[parsed.error](field.key);
        else values[field.key] = parsed.value;
      }
      // Range checks see the other values that parsed, such as n for w.
      for (const field of FIELDS) {
        if (!used.has(field.key) || errors[field.key]) continue;
        const message = field.check(values[field.key], values);
        if (message) errors[field.key] = message;
      }
      for (const field of FIELDS) {
        const { input, error } = inputs[field.key];
        const message = used.has(field.key) ? errors[field.key] || "" : "";
        if (error.textContent !== message) error.textContent = message;
        if (message) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
      root.classList.toggle("mask-explorer--invalid", Object.keys(errors).length > 0);
      if (Object.keys(errors).length === 0) draw(name, values);
    };

    // Selects, number fields and their spinners all fire "input".
    form.addEventListener("input", update);
    update();
  };

  // Material's instant navigation swaps the page body without reloading this
  // script, so mount on every page it shows; the flag keeps mounting idempotent.
  const mountAll = () => {
    document.querySelectorAll("[data-mask-explorer]").forEach((root, index) => {
      if (root.dataset.mounted === "true") return;
      root.dataset.mounted = "true";
      try {
        mount(root, index);
      } catch (error) {
        // The rest of the page keeps working; the error still reaches the console.
        root.dataset.mounted = "failed";
        console.error("mask explorer:", error);
      }
    });
  };

  if (typeof window.document$ !== "undefined") {
    window.document$.subscribe(mountAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();
