// Mask explorer for Problem 1: pick a pattern, change n, t, w (or l, c) and
// watch the grid and the count change together. Every pattern, parameter,
// range, mask rule and closed form comes from assets/patterns.json, which the
// build writes from scripts/chapter/model/attention.py; this file only validates, evaluates
// the registry's expression trees generically, and draws.
(() => {
  "use strict";

  // The grid always spans GRID units, so text keeps its size as n grows.
  const GRID = 480;
  // Room above and left of the grid for the axis titles and the row and column numbers.
  const MARGIN = { top: 50, left: 54, right: 44, bottom: 6 };
  // Rows and columns are numbered every STEPS[k]-th, the first step that leaves at
  // least LABEL_GAP units between numbers.
  const STEPS = [1, 2, 5, 10];
  const LABEL_GAP = 30;

  // document.currentScript is only set while this file first runs, and Material's
  // instant navigation never runs it again: resolve the data's address now.
  const DATA_URL = new URL("../assets/patterns.json", document.currentScript.src).href;

  // The shared evaluator of the registry's expression trees (expr.js, loaded first).
  const { evaluate, define, fill } = window.RegistryExpr;

  const { el, svgEl, controlsForm, checkWhole, showError, formula } = window.ChapterWidget;
  const text = (words) => document.createTextNode(words);

  const plural = (k) => (k === 1 ? "score" : "scores");

  // Build the controls, grid and status line inside one container.
  const mount = (root, index, data) => {
    const id = (part) => `mask-explorer-${index}-${part}`;
    const patterns = new Map(data.patterns.map((pattern) => [pattern.name, pattern]));
    // n, then every parameter once, in the order the patterns introduce them.
    const specs = new Map([[data.n.name, data.n]]);
    for (const pattern of data.patterns) for (const spec of pattern.params) specs.set(spec.name, spec);

    const form = controlsForm("mask-explorer__controls");

    const field = (key, label, control) => {
      const wrapper = el("div", { class: "mask-explorer__field", "data-param": key });
      // The message sits next to its control and is announced when it changes.
      const error = el("span", { id: id(`${key}-error`), class: "mask-explorer__error", "aria-live": "polite" });
      control.setAttribute("id", id(key));
      control.setAttribute("aria-describedby", error.id);
      wrapper.append(el("label", { for: id(key) }, label), control, error);
      form.append(wrapper);
      return { control, error, wrapper };
    };

    const select = el("select");
    for (const pattern of data.patterns) select.append(el("option", { value: pattern.name }, pattern.choice));
    select.value = patterns.has(root.dataset.pattern) ? root.dataset.pattern : data.patterns[0].name;
    const fields = { pattern: field("pattern", "Pattern", select) };
    for (const spec of specs.values()) {
      const input = el("input", {
        type: "number",
        inputmode: "numeric",
        step: "1",
        min: String(spec.min),
        max: String(spec.max),
        value: root.dataset[spec.name] || String(spec.default),
      });
      fields[spec.name] = field(spec.name, spec.label, input);
    }

    // How to pick a row, in the words of the reader's pointer.
    const touch = window.matchMedia("(pointer: coarse)").matches;
    const hint = el(
      "p",
      { class: "mask-explorer__hint", id: id("hint") },
      touch ? "Tap a row to read its count." : "Click or point at a row to read its count; arrow keys move it.",
    );
    const figure = el("div", { class: "mask-explorer__figure" });
    const status = el("p", { class: "mask-explorer__status", role: "status", id: id("status") });
    const readout = el("p", { class: "mask-explorer__row", id: id("row") });
    // The highlighted row as one term of the sum of all rows, from the registry's row rule.
    const terms = el("p", { class: "mask-explorer__terms", id: id("terms") });
    // The benchmark kernel's tiles, for the patterns a kernel of "Does it pay off?" serves.
    const kernelBox = el("div", { class: "mask-explorer__kernel" });
    const toggle = el("input", { type: "checkbox", id: id("kernel") });
    const toggleLabel = el("label", { for: id("kernel") });
    const kernelStatus = el("p", { class: "mask-explorer__kernel-status", id: id("kernel-status") });
    kernelBox.append(el("div", { class: "mask-explorer__toggle" }), kernelStatus);
    kernelBox.firstChild.append(toggle, toggleLabel);
    root.replaceChildren(form, hint, figure, status, readout, terms, kernelBox);
    root.classList.add("mask-explorer--ready");

    const state = { grid: null, active: 0, stale: false };

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
      const note = state.stale ? " (last valid input)" : "";
      readout.textContent = `Row ${r + 1} of ${grid.n}${note}: ${count} ${plural(count)} computed.`;
      showTerm(grid, r);
    };

    // "Row 5 computes 4 = min(i - 1, t) + 1: term 5 of 1 + 2 + 3 + 4 + 4 + … + 4 = 42",
    // listing the first, the last and the neighbours of the highlighted term.
    const showTerm = (grid, r) => {
      const { rowTerms, rowRule } = grid;
      const last = rowTerms.length - 1;
      const shown = [...new Set([0, 1, 2, r - 1, r, r + 1, last - 1, last])]
        .filter((k) => k >= 0 && k <= last)
        .sort((a, b) => a - b);
      const parts = [text(`Row ${r + 1} computes ${rowTerms[r]} = `), formula(rowRule.tex), text(` at i = ${r + 1}: term ${r + 1} of `)];
      shown.forEach((k, index) => {
        if (index > 0) parts.push(document.createTextNode(k - shown[index - 1] > 1 ? " + … + " : " + "));
        parts.push(k === r ? el("mark", {}, String(rowTerms[k])) : document.createTextNode(String(rowTerms[k])));
      });
      parts.push(document.createTextNode(` = ${grid.rowSum}, the closed form's total.`));
      terms.replaceChildren(...parts);
    };

    const draw = (pattern, values) => {
      const { n } = values;
      const cell = GRID / n;
      const width = MARGIN.left + GRID + MARGIN.right;
      const height = MARGIN.top + GRID + MARGIN.bottom;
      let shaded = 0;
      const rowCounts = [];
      // The rows are the Tab stop; the picture itself is not one.
      const svg = svgEl("svg", {
        class: "mask-explorer__grid",
        viewBox: `0 0 ${width} ${height}`,
        role: "list",
        "aria-describedby": id("hint"),
        focusable: "false",
        tabindex: "-1",
      });
      const decor = svgEl("g", { "aria-hidden": "true" });
      decor.append(
        svgEl("rect", { class: "mask-explorer__empty", x: MARGIN.left, y: MARGIN.top, width: GRID, height: GRID }),
      );
      const axisKeys = svgEl("text", { class: "mask-explorer__axis", x: MARGIN.left, y: 18 });
      axisKeys.textContent = "keys j →";
      const axisQueries = svgEl("text", {
        class: "mask-explorer__axis",
        transform: `translate(6 ${MARGIN.top}) rotate(90)`,
      });
      axisQueries.textContent = "queries i →";
      decor.append(axisKeys, axisQueries);
      // Rows and columns numbered from 1, as the pages count them.
      const step = STEPS.find((k) => k * cell >= LABEL_GAP) ?? STEPS[STEPS.length - 1];
      for (let k = 1; k <= n; k += 1) {
        if (k !== 1 && k % step !== 0) continue;
        const middle = (k - 0.5) * cell;
        const column = svgEl("text", { class: "mask-explorer__number", x: MARGIN.left + middle, y: MARGIN.top - 6, "text-anchor": "middle" });
        const row = svgEl("text", { class: "mask-explorer__number", x: MARGIN.left - 5, y: MARGIN.top + middle, "text-anchor": "end", "dominant-baseline": "central" });
        column.textContent = String(k);
        row.textContent = String(k);
        decor.append(column, row);
      }
      svg.append(decor);

      const rows = [];
      const env = { ...values };
      for (let i = 0; i < n; i += 1) {
        let count = 0;
        const y = MARGIN.top + i * cell;
        env.i = i;
        const g = svgEl("g", { class: "mask-explorer__rowgroup", role: "listitem", "data-row": i, tabindex: "-1" });
        // A transparent band catches the pointer anywhere on the row.
        g.append(svgEl("rect", { class: "mask-explorer__band", x: MARGIN.left, y, width: GRID, height: cell }));
        for (let j = 0; j < n; j += 1) {
          env.j = j;
          if (evaluate(pattern.rule, env)) {
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

      // The closed form and its helper names (such as r = n mod w), from the registry,
      // drawn as the page draws them.
      const closedEnv = define(pattern.where, values);
      const closed = evaluate(pattern.closedForm.tree, closedEnv);
      const summary = () => {
        const parts = [text(`${shaded} of ${n * n} scores computed; closed form `), formula(pattern.closedForm.tex), text(` = ${closed}`)];
        pattern.where.forEach((name, k) => {
          parts.push(text(k === 0 ? " (" : ", "), formula(name.tex), text(` = ${closedEnv[name.name]}`));
        });
        if (pattern.where.length) parts.push(text(")"));
        return parts;
      };
      const numbers = ["n", ...pattern.params.map((spec) => spec.name)].map((key) => `${key} = ${values[key]}`);
      const title = fill(data.title, { label: pattern.label, numbers: numbers.join(", ") });
      const alt = fill(data.alt, { title, count: shaded, total: n * n });
      // The row rule counts rows from 1, as the pages do.
      const rowTerms = rowCounts.map((_, k) => evaluate(pattern.rowRule.tree, { ...values, i: k + 1 }));
      const rowSum = rowTerms.reduce((a, b) => a + b, 0);
      drawKernel(pattern, values, svg, cell, overlay);
      figure.replaceChildren(svg);
      state.grid = { n, cell, rows, rowCounts, rowTerms, rowSum, rowRule: pattern.rowRule, highlight, rowLabel, svg, alt, summary };
      showRow(state.active);

      // A pointer over a row, or a tap or click on it, picks that row.
      for (const kind of ["pointermove", "click"]) {
        svg.addEventListener(kind, (event) => {
          const g = event.target.closest("[data-row]");
          if (g) showRow(Number(g.dataset.row));
        });
      }
      svg.addEventListener("focusin", (event) => {
        const g = event.target.closest("[data-row]");
        if (g) showRow(Number(g.dataset.row));
      });
      svg.addEventListener("keydown", (event) => {
        const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: 8, PageUp: -8, Home: -Infinity, End: Infinity };
        if (!(event.key in moves)) return;
        event.preventDefault();
        const next = Math.max(0, Math.min(n - 1, state.active + moves[event.key]));
        showRow(next);
        rows[next].focus();
      });
    };

    // Cells the kernel computes but the pattern does not need are hatched; the counts
    // of needed, computed and wasted cells come from the registry's tile rule.
    const drawKernel = (pattern, values, svg, cell, overlay) => {
      const kernel = pattern.kernel;
      kernelBox.hidden = !kernel;
      delete kernelStatus.dataset.computed;
      if (!kernel) return;
      toggleLabel.textContent = `Show what the ${kernel.label.toLowerCase()} of the benchmark computes`;
      if (!toggle.checked) {
        kernelStatus.textContent = "";
        return;
      }
      const { n } = values;
      const env = define(kernel.where, values);
      const hatch = svgEl("pattern", { id: id("hatch"), width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
      hatch.append(svgEl("rect", { class: "mask-explorer__hatch-bg", width: 6, height: 6 }), svgEl("path", { class: "mask-explorer__hatch", d: "M0 0v6" }));
      const defs = svgEl("defs");
      defs.append(hatch);
      const wasted = svgEl("g", { "aria-hidden": "true", class: "mask-explorer__wasted-cells" });
      let computed = 0;
      let needed = 0;
      for (let i = 0; i < n; i += 1) {
        for (let j = 0; j < n; j += 1) {
          const inTile = evaluate(kernel.rule, { ...env, i, j });
          const need = evaluate(pattern.rule, { ...values, i, j });
          computed += inTile ? 1 : 0;
          needed += need ? 1 : 0;
          if (inTile && !need) {
            wasted.append(svgEl("rect", { class: "mask-explorer__wasted", "data-cell": `${i},${j}`, x: MARGIN.left + j * cell, y: MARGIN.top + i * cell, width: cell, height: cell, fill: `url(#${id("hatch")})` }));
          }
        }
      }
      svg.insertBefore(defs, svg.firstChild);
      svg.insertBefore(wasted, overlay);
      Object.assign(kernelStatus.dataset, { computed, needed, wasted: computed - needed });
      // Tiles larger than the grid hatch all of it: say why, rather than leave it a puzzle.
      const whole = computed === n * n && computed > needed ? ` ${kernel.wholeGrid}` : "";
      kernelStatus.textContent =
        `${kernel.label}: ${kernel.tiles}. In this grid it computes ${computed} cells, ` +
        `of which the pattern needs ${needed}; ${computed - needed} are wasted (hatched).${whole}`;
    };

    toggle.addEventListener("change", () => update());

    // The grid and status say plainly whether they show the current input.
    const present = (errorCount) => {
      state.stale = errorCount > 0;
      figure.toggleAttribute("data-stale", state.stale);
      const grid = state.grid;
      const fix = errorCount === 1 ? "fix the marked field" : "fix the marked fields";
      if (!state.stale) {
        grid.svg.setAttribute("aria-label", `${grid.alt}. Rows are queries, columns are keys.`);
        status.replaceChildren(...grid.summary());
      } else if (grid) {
        grid.svg.setAttribute("aria-label", `Last valid input, not the current one: ${grid.alt}.`);
        status.textContent = `Not updated: ${fix}. The grid still shows the last valid input: ${grid.alt}.`;
      } else {
        status.textContent = `Nothing drawn yet: ${fix}.`;
      }
      if (grid) showRow(state.active);
    };

    // Validate every field the pattern uses, in constant time, before any drawing.
    const update = () => {
      const pattern = patterns.get(select.value);
      const used = new Set(["n", ...(pattern ? pattern.params.map((spec) => spec.name) : [])]);
      const values = {};
      const errors = {};
      if (!pattern) errors.pattern = "Choose one of the listed patterns.";
      for (const spec of specs.values()) {
        const { control, wrapper } = fields[spec.name];
        wrapper.hidden = !used.has(spec.name);
        if (!used.has(spec.name)) continue;
        const checked = checkWhole(spec, control);
        if (checked.error) errors[spec.name] = checked.error;
        else values[spec.name] = checked.value;
      }
      // A bound by another parameter (c at most l) is checked only when both are valid.
      for (const spec of specs.values()) {
        const other = spec.atMost;
        if (!(spec.name in values) || !other || !(other in values)) continue;
        if (values[spec.name] > values[other]) errors[spec.name] = `${spec.name} must be at most ${other} = ${values[other]}.`;
      }
      for (const key of Object.keys(fields)) showError(fields[key], errors[key] || "");
      const errorCount = Object.keys(errors).length;
      root.classList.toggle("mask-explorer--invalid", errorCount > 0);
      if (errorCount === 0) draw(pattern, values);
      present(errorCount);
    };

    // Selects, number fields and their spinners all fire "input".
    form.addEventListener("input", update);
    update();
  };

  window.ChapterWidget.start('[data-mask-explorer]', DATA_URL, 'mask explorer', mount);
})();
