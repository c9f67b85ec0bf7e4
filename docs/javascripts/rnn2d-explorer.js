// 2D RNN explorer for Problem 2: move the wavefront step by step over an n x n
// grid and over the skewed array the chapter's code keeps, then pick a cell and
// watch the influence of every input on it as the weights a and b change.
// Every step, step size and skewed slot, and the influence's expression, come
// from assets/rnn2d.json, which the build writes from scripts/rnn2d.py; this
// file only validates, looks up, evaluates through RegistryExpr and draws.
(() => {
  "use strict";

  // Each picture spans CELLS units across, so its text keeps its size as n grows.
  const CELLS = 320;
  const MARGIN = { top: 24, left: 24, right: 6, bottom: 6 };
  // The influence's log scale: powers of ten from LOG_LOW (palest) to LOG_HIGH (darkest).
  const LOG_LOW = -4;
  const LOG_HIGH = 4;

  // document.currentScript is only set while this file first runs, and Material's
  // instant navigation never runs it again: resolve the data's address now.
  const DATA_URL = new URL("../assets/rnn2d.json", document.currentScript.src).href;

  const { el, svgEl, controlsForm, checkWhole, showError } = window.ChapterWidget;

  const cells = (k) => (k === 1 ? "cell" : "cells");
  const weight = (value) => value.toFixed(2);
  const short = (value) => (value === 0 ? "0" : value >= 0.01 && value < 1000 ? String(Number(value.toPrecision(3))) : value.toExponential(1));

  // A square-celled picture: columns across, rows down, with its two axis titles.
  const picture = (className, columns, rows, across, down) => {
    const cell = CELLS / columns;
    const width = MARGIN.left + CELLS + MARGIN.right;
    const height = MARGIN.top + rows * cell + MARGIN.bottom;
    const svg = svgEl("svg", { class: `rnn2d-explorer__picture ${className}`, viewBox: `0 0 ${width} ${height}`, focusable: "false" });
    const decor = svgEl("g", { "aria-hidden": "true" });
    decor.append(svgEl("rect", { class: "rnn2d-explorer__empty", x: MARGIN.left, y: MARGIN.top, width: CELLS, height: rows * cell }));
    const top = svgEl("text", { class: "rnn2d-explorer__axis", x: MARGIN.left, y: 16 });
    top.textContent = across;
    const side = svgEl("text", { class: "rnn2d-explorer__axis", transform: `translate(14 ${MARGIN.top}) rotate(90)` });
    side.textContent = down;
    decor.append(top, side);
    svg.append(decor);
    const rect = (column, row, attrs = {}) =>
      svgEl("rect", { x: MARGIN.left + column * cell, y: MARGIN.top + row * cell, width: cell, height: cell, ...attrs });
    const lines = () => {
      const path = [];
      for (let k = 0; k <= columns; k += 1) path.push(`M${MARGIN.left + k * cell} ${MARGIN.top}v${rows * cell}`);
      for (let k = 0; k <= rows; k += 1) path.push(`M${MARGIN.left} ${MARGIN.top + k * cell}h${CELLS}`);
      return svgEl("path", { class: "rnn2d-explorer__lines", d: path.join(""), "aria-hidden": "true" });
    };
    return { svg, cell, rect, lines };
  };

  // The two patterns that tell cells apart without colour: a dot on the current
  // step's cells, hatching on inputs that have no influence.
  const patterns = (id) => {
    const defs = svgEl("defs");
    const dot = svgEl("pattern", { id: id("dot"), width: 1, height: 1, patternContentUnits: "objectBoundingBox" });
    dot.append(
      svgEl("rect", { class: "rnn2d-explorer__current-ground", width: 1, height: 1 }),
      svgEl("circle", { class: "rnn2d-explorer__dot", cx: 0.5, cy: 0.5, r: 0.22 }),
    );
    const hatch = svgEl("pattern", { id: id("hatch"), width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
    hatch.append(
      svgEl("rect", { class: "rnn2d-explorer__hatch-ground", width: 6, height: 6 }),
      svgEl("line", { class: "rnn2d-explorer__hatch", x1: 0, y1: 0, x2: 0, y2: 6 }),
    );
    defs.append(dot, hatch);
    return defs;
  };

  const mount = (root, index, data) => {
    const id = (part) => `rnn2d-explorer-${index}-${part}`;
    const spec = data.n;
    const weights = data.weights.values;

    const field = (parent, key, label, control, shown = null) => {
      const wrapper = el("div", { class: "rnn2d-explorer__field", "data-param": key });
      const error = el("span", { id: id(`${key}-error`), class: "rnn2d-explorer__error", "aria-live": "polite" });
      control.setAttribute("id", id(key));
      control.setAttribute("aria-describedby", error.id);
      const head = el("div", { class: "rnn2d-explorer__label" });
      head.append(el("label", { for: id(key) }, label));
      if (shown) head.append(shown);
      wrapper.append(head, control, error);
      parent.append(wrapper);
      return { control, error, shown };
    };

    const slider = (min, max, value) =>
      el("input", { type: "range", min: String(min), max: String(max), step: "1", value: String(value) });

    const waveForm = controlsForm("rnn2d-explorer__controls rnn2d-explorer__wave-controls");
    const nField = field(
      waveForm,
      "n",
      spec.label,
      el("input", { type: "number", inputmode: "numeric", step: "1", min: String(spec.min), max: String(spec.max), value: String(spec.default) }),
    );
    const stepField = field(waveForm, "step", "Wavefront step", slider(1, 1, 1), el("output", { "aria-hidden": "true" }));

    const waveFigure = el("div", { class: "rnn2d-explorer__figure rnn2d-explorer__wave" });
    const waveStatus = el("p", { class: "rnn2d-explorer__status", role: "status", id: id("wave-status") });
    const waveLegend = el("p", { class: "rnn2d-explorer__legend", "aria-hidden": "true" });
    waveLegend.innerHTML =
      '<span class="rnn2d-explorer__key rnn2d-explorer__key--done"></span> done ' +
      '<span class="rnn2d-explorer__key rnn2d-explorer__key--current"></span> this step ' +
      '<span class="rnn2d-explorer__key rnn2d-explorer__key--waiting"></span> waiting ' +
      '<span class="rnn2d-explorer__key rnn2d-explorer__key--none"></span> unused slot';

    const influenceForm = controlsForm("rnn2d-explorer__controls rnn2d-explorer__influence-controls");
    const aField = field(influenceForm, "a", "Weight a = W_left", slider(0, weights.length - 1, data.weights.default), el("output", { "aria-hidden": "true" }));
    const bField = field(influenceForm, "b", "Weight b = W_top", slider(0, weights.length - 1, data.weights.default), el("output", { "aria-hidden": "true" }));
    const influenceFigure = el("div", { class: "rnn2d-explorer__figure rnn2d-explorer__influence" });
    const influenceStatus = el("p", { class: "rnn2d-explorer__status", role: "status", id: id("influence-status") });
    // One input's influence, read by pointing, tapping or clicking; announced politely.
    const influenceReadout = el("p", { class: "rnn2d-explorer__readout", id: id("readout"), "aria-live": "polite" });
    const touch = window.matchMedia("(pointer: coarse)").matches;
    const instructions = touch
      ? "Tap an input to read its influence; tap it again to choose its cell as h(i, j)."
      : "Point at an input to read its influence; click a cell, or use the arrow keys on the map, to choose another h(i, j).";
    const scale = el("p", { class: "rnn2d-explorer__legend", "aria-hidden": "true" });
    scale.innerHTML =
      `<span class="rnn2d-explorer__key rnn2d-explorer__key--none"></span> no influence; ` +
      `10<sup>−${-LOG_LOW}</sup> or less <span class="rnn2d-explorer__ramp"></span> 10<sup>${LOG_HIGH}</sup> or more, ` +
      "log scale, 1 in the middle";

    // The wavefront's controls stay in view above its two pictures on a phone (see the
    // stylesheet); the one input's reading sits right under the map it reads.
    const waveSection = el("div", { class: "rnn2d-explorer__wave-section" });
    waveSection.append(waveForm, waveFigure, waveLegend, waveStatus);
    root.replaceChildren(waveSection, influenceForm, influenceFigure, influenceReadout, scale, influenceStatus);
    root.classList.add("rnn2d-explorer--ready");

    // chosen: the cell h(i, j) the map is for; read: the input whose influence is shown.
    const state = { n: null, view: null, chosen: null, read: null, stale: false };

    // Build both wavefront pictures and the influence map for one n; the step and
    // the weights then only change classes and fills.
    const build = (n) => {
      const grid = data.grids[n - 1];
      // The skewed array says where each cell lives: its row is the cell's step.
      const stepOf = new Array(n * n);
      grid.skew.forEach((row, s) => row.forEach((cellId) => {
        if (cellId >= 0) stepOf[cellId] = s;
      }));
      const wave = picture("rnn2d-explorer__grid", n, n, "column i →", "row j →");
      const skew = picture("rnn2d-explorer__skew", n, grid.steps, "slot i →", "step (array row) →");
      const influence = picture("rnn2d-explorer__map", n, n, "column i →", "row j →");
      wave.svg.append(patterns((part) => id(`wave-${part}`)));
      influence.svg.append(patterns((part) => id(`map-${part}`)));
      const waveCells = [];
      const skewCells = [];
      const mapCells = [];
      for (let cellId = 0; cellId < n * n; cellId += 1) {
        const i = Math.floor(cellId / n);
        const j = cellId % n;
        const attrs = { "data-i": i, "data-j": j };
        const w = wave.rect(i, j, attrs);
        waveCells.push([w, stepOf[cellId]]);
        wave.svg.append(w);
        const m = influence.rect(i, j, attrs);
        mapCells.push({ node: m, i, j });
        influence.svg.append(m);
      }
      grid.skew.forEach((row, s) => row.forEach((cellId, slot) => {
        if (cellId < 0) {
          const unused = skew.rect(slot, s, { class: "rnn2d-explorer__unused" });
          unused.style.fill = `url(#${id("wave-hatch")})`;
          skew.svg.append(unused);
          return;
        }
        const r = skew.rect(slot, s, { "data-i": Math.floor(cellId / n), "data-j": cellId % n, "data-step": s, "data-slot": slot });
        skewCells.push([r, s]);
        skew.svg.append(r);
      }));
      const band = skew.rect(0, 0, { class: "rnn2d-explorer__band", width: CELLS });
      const chosenMark = influence.rect(0, 0, { class: "rnn2d-explorer__chosen" });
      const readMark = influence.rect(0, 0, { class: "rnn2d-explorer__read" });
      wave.svg.append(wave.lines());
      skew.svg.append(skew.lines(), band);
      influence.svg.append(influence.lines(), chosenMark, readMark);
      for (const s of [wave.svg, skew.svg]) s.setAttribute("role", "img");
      influence.svg.setAttribute("role", "group");
      influence.svg.setAttribute("aria-roledescription", "influence map");
      influence.svg.setAttribute("tabindex", "0");
      influence.svg.setAttribute("aria-describedby", influenceStatus.id);

      const pair = el("div", { class: "rnn2d-explorer__pair" });
      const caption = (text, svg) => {
        const box = el("figure", { class: "rnn2d-explorer__panel" });
        box.append(svg, el("figcaption", {}, text));
        return box;
      };
      pair.append(
        caption("The grid: cell (i, j) at column i, row j.", wave.svg),
        caption("The skewed array of rnn2d_wavefront: one row per step.", skew.svg),
      );
      waveFigure.replaceChildren(pair);
      influenceFigure.replaceChildren(influence.svg);

      const cellOf = (target) => [Number(target.dataset.i), Number(target.dataset.j)];
      const same = (a, b) => a !== null && a[0] === b[0] && a[1] === b[1];
      // A mouse reads by pointing, so its click chooses; a finger has no pointing, so its
      // first tap reads an input and a second tap on the same cell chooses it.
      influence.svg.addEventListener("click", (event) => {
        const target = event.target.closest("[data-i]");
        if (!target) return;
        const cell = cellOf(target);
        if (event.pointerType !== "mouse" && event.pointerType !== "" && !same(state.read, cell)) {
          state.read = cell;
          showReading();
          return;
        }
        state.chosen = cell;
        state.read = null;
        drawInfluence();
      });
      influence.svg.addEventListener("keydown", (event) => {
        const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1], Home: [-Infinity, -Infinity], End: [Infinity, Infinity] };
        if (!(event.key in moves)) return;
        event.preventDefault();
        const [di, dj] = moves[event.key];
        const clamp = (v) => Math.max(0, Math.min(n - 1, v));
        state.chosen = [clamp(state.chosen[0] + di), clamp(state.chosen[1] + dj)];
        drawInfluence();
      });
      influence.svg.addEventListener("pointermove", (event) => {
        const target = event.target.closest("[data-i]");
        if (!target || event.pointerType !== "mouse" || same(state.read, cellOf(target))) return;
        state.read = cellOf(target);
        showReading();
      });

      state.n = n;
      state.view = { grid, wave, skew, waveCells, skewCells, band, mapCells, chosenMark, readMark, influence };
      state.chosen = state.chosen ? state.chosen.map((v) => Math.min(v, n - 1)) : [n - 1, n - 1];
      state.read = null;
    };

    const drawWave = () => {
      const { grid, wave, skew, waveCells, skewCells, band } = state.view;
      const step = Number(stepField.control.value);
      const current = step - 1;
      const classOf = (s) => (s < current ? "done" : s === current ? "current" : "waiting");
      const tally = { done: 0, current: 0, waiting: 0 };
      // An inline style, because the dot pattern's id differs from explorer to explorer.
      const dotted = `url(#${id("wave-dot")})`;
      // Only the cells whose kind changes are touched, so a step is quick even at n = 32.
      const shade = (node, kind) => {
        if (node.dataset.kind === kind) return;
        node.dataset.kind = kind;
        node.setAttribute("class", `rnn2d-explorer__cell rnn2d-explorer__${kind}`);
        node.style.fill = kind === "current" ? dotted : "";
      };
      for (const [node, s] of waveCells) {
        const kind = classOf(s);
        tally[kind] += 1;
        shade(node, kind);
      }
      for (const [node, s] of skewCells) shade(node, classOf(s));
      band.setAttribute("y", MARGIN.top + current * skew.cell);
      band.setAttribute("height", skew.cell);
      const size = grid.sizes[current];
      stepField.shown.textContent = `${step} of ${grid.steps}`;
      stepField.control.setAttribute("aria-valuetext", `step ${step} of ${grid.steps}`);
      const summary = `step ${step} of ${grid.steps}: ${size} ${cells(size)}`;
      state.view.waveSummary = `n = ${state.n}, ${summary}`;
      state.view.waveText =
        `Step ${step} of ${grid.steps}: ${size} ${cells(size)} computed together; ` +
        `${tally.done} done, ${tally.waiting} waiting.`;
      const alt = `Wavefront on a ${state.n} by ${state.n} grid at ${summary}: ${tally.done} done, ${tally.current} this step, ${tally.waiting} waiting`;
      wave.svg.setAttribute("aria-label", alt);
      skew.svg.setAttribute("aria-label", `The skewed array, ${grid.steps} rows of ${state.n} slots; row ${step} holds this step's ${size} ${cells(size)}`);
    };

    const drawInfluence = () => {
      const { mapCells, chosenMark, influence } = state.view;
      const [ci, cj] = state.chosen;
      const a = weights[Number(aField.control.value)];
      const b = weights[Number(bField.control.value)];
      // rnn2d.REACHES and rnn2d.INFLUENCE, as the hook shipped them; p and q are
      // how far the input lies left of and above the chosen cell.
      const env = (p, q) => ({ w_in: data.influence.w_in, a, b, p, q });
      const reaches = (p, q) => RegistryExpr.evaluate(data.influence.reaches, env(p, q));
      const influenceOf = (p, q) => RegistryExpr.evaluate(data.influence.tree, env(p, q));
      let low = Infinity;
      let high = 0;
      let inputs = 0;
      for (const { node, i, j } of mapCells) {
        if (!reaches(ci - i, cj - j)) {
          node.setAttribute("class", "rnn2d-explorer__cell rnn2d-explorer__none");
          node.style.fill = `url(#${id("map-hatch")})`;
          node.style.fillOpacity = "";
          delete node.dataset.value;
          continue;
        }
        const value = influenceOf(ci - i, cj - j);
        inputs += 1;
        low = Math.min(low, value);
        high = Math.max(high, value);
        node.dataset.value = String(value);
        node.setAttribute("class", "rnn2d-explorer__cell rnn2d-explorer__influence-cell");
        node.style.fill = "";
        const level = value > 0 ? (Math.log10(value) - LOG_LOW) / (LOG_HIGH - LOG_LOW) : 0;
        node.style.fillOpacity = (0.04 + 0.96 * Math.max(0, Math.min(1, level))).toFixed(3);
      }
      chosenMark.setAttribute("x", MARGIN.left + ci * influence.cell);
      chosenMark.setAttribute("y", MARGIN.top + cj * influence.cell);
      chosenMark.setAttribute("width", influence.cell);
      chosenMark.setAttribute("height", influence.cell);
      aField.shown.textContent = weight(a);
      bField.shown.textContent = weight(b);
      aField.control.setAttribute("aria-valuetext", weight(a));
      bField.control.setAttribute("aria-valuetext", weight(b));
      const corner = influenceOf(ci, cj);
      state.view.influenceText =
        `Influence on h(${ci + 1}, ${cj + 1}) with a = ${weight(a)}, b = ${weight(b)}: ` +
        `${inputs} inputs, from ${short(low)} to ${short(high)}; from x(1, 1): ${short(corner)}.`;
      influence.svg.setAttribute("aria-label", `Influence map of h(${ci + 1}, ${cj + 1}); arrow keys choose the cell`);
      showReading();
      present();
    };

    // The read input's influence on the chosen cell, under the current weights.
    const showReading = () => {
      const { mapCells, readMark, influence } = state.view;
      readMark.toggleAttribute("hidden", state.read === null);
      if (state.read === null) {
        influenceReadout.textContent = instructions;
        return;
      }
      const [i, j] = state.read;
      const [ci, cj] = state.chosen;
      const { value } = mapCells[i * state.n + j].node.dataset;
      readMark.setAttribute("x", MARGIN.left + i * influence.cell);
      readMark.setAttribute("y", MARGIN.top + j * influence.cell);
      readMark.setAttribute("width", influence.cell);
      readMark.setAttribute("height", influence.cell);
      const again = touch && !(i === ci && j === cj) ? " Tap it again to choose it." : "";
      influenceReadout.dataset.value = value ?? "";
      influenceReadout.textContent =
        `Input x(${i + 1}, ${j + 1}) on h(${ci + 1}, ${cj + 1}): ${value === undefined ? "no influence" : short(Number(value))}.${again}`;
    };

    // The pictures and status lines say plainly whether they show the current input.
    const present = () => {
      const view = state.view;
      for (const figure of [waveFigure, influenceFigure]) figure.toggleAttribute("data-stale", state.stale);
      if (!view) {
        waveStatus.textContent = "Nothing drawn yet: fix the marked field.";
        influenceStatus.textContent = "";
        return;
      }
      if (state.stale) {
        waveStatus.textContent = `Not updated: fix the marked field. The grids still show the last valid input: ${view.waveSummary}.`;
        influenceStatus.textContent = `Not updated: the map still shows the last valid input, n = ${state.n}.`;
      } else {
        waveStatus.textContent = view.waveText;
        influenceStatus.textContent = view.influenceText;
      }
    };

    // Validate n in constant time before any drawing; the sliders cannot go out of range.
    const update = (event) => {
      const checked = checkWhole(spec, nField.control);
      showError(nField, checked.error || "");
      state.stale = Boolean(checked.error);
      if (state.stale) {
        present();
        return;
      }
      const n = checked.value;
      if (n !== state.n) {
        const steps = data.grids[n - 1].steps;
        stepField.control.max = String(steps);
        if (!event) stepField.control.value = String(Math.min(data.step.default, steps));
        build(n);
      }
      const target = event?.target;
      if (!target || target === nField.control || target === stepField.control) drawWave();
      drawInfluence();
    };

    waveForm.addEventListener("input", update);
    influenceForm.addEventListener("input", update);
    update();
  };

  window.ChapterWidget.start('[data-rnn2d-explorer]', DATA_URL, '2D RNN explorer', mount);
})();
