// Practice questions and the window converter. Every question, range, answer,
// known mistake and library definition comes from assets/practice.json, which
// the build writes from scripts/chapter/model/practice.py and scripts/chapter/model/attention.py; this file
// draws numbers, evaluates the expression trees with expr.js, and reports.
(() => {
  "use strict";

  const { evaluate, define, fill } = window.RegistryExpr;
  // No sensible answer is this long; longer text is refused before it is parsed.
  const MAX_CHARS = 30;
  // Redraws allowed when a draw fails the question's requirement (most pass).
  const MAX_TRIES = 200;

  const DATA_URL = new URL("../assets/practice.json", document.currentScript.src).href;

  const { el, controlsForm, formula } = window.ChapterWidget;

  // A number as typed by a reader: digits, a sign, a decimal point; spaces and
  // thousands commas are ignored. Anything else is null.
  const readNumber = (text) => {
    const plain = text.replace(/[\s,\u00a0\u2009\u202f]/g, "");
    if (plain.length === 0 || plain.length > MAX_CHARS || !/^[+-]?\d+(\.\d+)?$/.test(plain)) return null;
    return Number(plain);
  };

  const grouped = (value) => (Number.isInteger(value) ? value.toLocaleString("en-GB") : String(value));

  // Each draw uniform between its bounds, which may name earlier draws.
  const drawOnce = (question) => {
    const drawn = {};
    for (const d of question.draws) {
      const low = evaluate(d.low, drawn);
      const high = evaluate(d.high, drawn);
      drawn[d.name] = low + Math.floor(Math.random() * (high - low + 1));
    }
    return define(question.where, drawn);
  };

  const sameDraw = (a, b) => b !== null && Object.keys(a).every((key) => a[key] === b[key]);

  // A fresh set of numbers that meets the question's requirement and, when it
  // can, differs from the last one.
  const draw = (question, previous) => {
    let env = null;
    for (let tries = 0; tries < MAX_TRIES; tries += 1) {
      const candidate = drawOnce(question);
      if (!evaluate(question.require, candidate)) continue;
      env = candidate;
      if (!sameDraw(candidate, previous)) break;
    }
    if (env === null) throw new Error(`practice question ${question.name}: no valid draw`);
    return env;
  };

  const mountQuestion = (question, number, idPrefix) => {
    const id = (part) => `${idPrefix}-${question.name}-${part}`;
    const box = el("div", { class: "practice__question", role: "group", "data-question": question.name });
    const heading = el("p", { class: "practice__prompt", id: id("prompt") });
    const form = el("form", { class: "practice__form", novalidate: "" });
    const input = el("input", {
      id: id("answer"),
      type: "text",
      inputmode: "numeric",
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": id("prompt"),
    });
    const check = el("button", { type: "submit", class: "practice__button" }, "Check");
    const fresh = el("button", { type: "button", class: "practice__button" }, "New numbers");
    const field = el("div", { class: "practice__field" });
    field.append(el("label", { for: id("answer") }, "Your answer"), input);
    form.append(field, check, fresh);
    const status = el("p", { class: "practice__status", role: "status", id: id("status") });
    box.setAttribute("aria-labelledby", id("prompt"));
    box.append(heading, form, status);

    let env = null;
    const show = (kind, text) => {
      status.dataset.result = kind;
      status.textContent = text;
    };
    const renew = (announce) => {
      env = draw(question, env);
      const values = Object.fromEntries(question.draws.map((d) => [d.name, env[d.name]]));
      box.dataset.values = JSON.stringify({ ...values, ...Object.fromEntries(question.where.map((w) => [w.name, env[w.name]])) });
      heading.textContent = `${number}. ${fill(question.prompt, env)}`;
      input.value = "";
      input.removeAttribute("aria-invalid");
      if (announce) show("new", "New numbers drawn: the question above has changed.");
      else show("", "");
    };

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const typed = readNumber(input.value);
      if (typed === null) {
        input.setAttribute("aria-invalid", "true");
        show("invalid", input.value.trim() === "" ? "Type a number first." : "Write your answer as a number, such as 42.");
        return;
      }
      input.removeAttribute("aria-invalid");
      if (typed === evaluate(question.answer, env)) {
        show("correct", `Correct: ${grouped(typed)}.`);
        return;
      }
      const mistake = question.mistakes.find((m) => evaluate(m.tree, env) === typed);
      if (mistake) show("mistake", `Not quite. ${fill(mistake.diagnosis, env)}`);
      else show("wrong", `Not yet. Hint: ${fill(question.hint, env)}`);
    });
    // On a phone the keyboard covers the lower part of the screen: bring the verdict
    // into view. New numbers leaves the focus on its button, so the keyboard stays down.
    form.addEventListener("submit", () => status.scrollIntoView({ block: "nearest" }));
    fresh.addEventListener("click", () => renew(true));
    renew(false);
    return box;
  };

  const mountPractice = (root, data) => {
    const questions = data.questions.filter((q) => q.page === root.dataset.practice);
    const boxes = questions.map((q, k) => mountQuestion(q, k + 1, `practice-${root.dataset.practice}`));
    root.replaceChildren(...boxes);
    root.classList.add("practice--ready");
  };

  // The converter: a window W in one library's sense, as this page's look-back t,
  // then the registry's row rule and strided count for a chosen n.
  const MAX_W = 1000000;
  const MAX_N = 1000000;

  const mountConverter = (root, data) => {
    const { sources, count, row } = data.windows;
    const id = (part) => `window-converter-${part}`;
    const form = controlsForm("practice__form window-converter__controls");
    const field = (key, label, control) => {
      const wrapper = el("div", { class: "practice__field", "data-field": key });
      control.setAttribute("id", id(key));
      wrapper.append(el("label", { for: id(key) }, label), control);
      form.append(wrapper);
      return control;
    };
    const select = el("select");
    // The source alone fits a phone's list; its parameter is spelled out below.
    sources.forEach((s, k) => select.append(el("option", { value: String(k) }, s.source)));
    field("source", "Library", select);
    const wInput = field("W", "Window W", el("input", { type: "text", inputmode: "numeric", value: "4096", autocomplete: "off" }));
    const nInput = field("n", "Sequence length n", el("input", { type: "text", inputmode: "numeric", value: "32768", autocomplete: "off" }));
    const definition = el("p", { class: "window-converter__definition", id: id("definition") });
    const status = el("p", { class: "practice__status window-converter__status", role: "status", id: id("status") });
    root.replaceChildren(form, definition, status);
    root.classList.add("practice--ready");

    const whole = (input, name, low, high) => {
      const value = readNumber(input.value);
      if (value === null || !Number.isInteger(value) || value < low || value > high) {
        return { error: `${name} must be a whole number from ${grouped(low)} to ${grouped(high)}.` };
      }
      return { value };
    };

    const update = () => {
      const source = sources[Number(select.value)];
      definition.replaceChildren(
        document.createTextNode(`${source.source}, ${source.parameter}: query i scores ${source.keys} (`),
        el("a", { href: source.url }, "its definition"),
        document.createTextNode(")."),
      );
      const W = whole(wInput, "W", source.low, MAX_W);
      const n = whole(nInput, "n", 1, MAX_N);
      if (!W.error && source.even && W.value % 2 !== 0) W.error = `W must be even for ${source.source}.`;
      for (const [input, checked] of [[wInput, W], [nInput, n]]) {
        if (checked.error) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
      if (W.error || n.error) {
        status.dataset.result = "invalid";
        status.textContent = [W.error, n.error].filter(Boolean).join(" ");
        return;
      }
      const t = evaluate(source.t, { W: W.value });
      const env = define(count.where, { n: n.value, t });
      const total = evaluate(count.tree, env);
      const keys = evaluate(row, { ...env, i: n.value });
      status.dataset.result = "ok";
      status.dataset.t = String(t);
      status.dataset.count = String(total);
      status.replaceChildren(
        document.createTextNode("Look-back "),
        formula(source.tTex),
        document.createTextNode(
          ` = ${grouped(t)}. Row n = ${grouped(n.value)} scores ${grouped(keys)} keys. ` +
            `Over n = ${grouped(n.value)} tokens: ${grouped(total)} dot products.` +
            (source.oneSided ? ` ${source.oneSided}` : ""),
        ),
      );
    };
    form.addEventListener("input", update);
    update();
  };

  window.ChapterWidget.start('[data-practice], [data-window-converter]', DATA_URL, 'practice', (root, index, data) => {
    if ("practice" in root.dataset) mountPractice(root, data);
    else mountConverter(root, data);
  });
})();
