// What MathJax writes for its own interactive tools, which a static page has none of.
var UNUSED = ['data-c', 'data-mjx-texclass'];

// Drops what draws nothing, so pages are lighter and quicker to index: MathJax's
// bookkeeping attributes and a <g> around a single glyph (its transform moves onto the
// glyph). mtable keeps its name: the stylesheet lays out tables by it. Glyphs keep
// xlink:href: Material's instant navigation reassigns every element's href property,
// which on an SVG <use> is read-only.
function slim(adaptor, node) {
  adaptor.childNodes(node).slice().forEach(function (child) {
    if (adaptor.kind(child) !== '#text') slim(adaptor, child);
  });
  UNUSED.forEach(function (name) { adaptor.removeAttribute(node, name); });
  if (adaptor.getAttribute(node, 'data-mml-node') !== 'mtable') {
    adaptor.removeAttribute(node, 'data-mml-node');
  }
  var children = adaptor.childNodes(node);
  var names = adaptor.allAttributes(node).map(function (a) { return a.name; });
  if (adaptor.kind(node) === 'g' && children.length === 1 && adaptor.kind(children[0]) === 'use'
      && !adaptor.getAttribute(children[0], 'transform')
      && names.every(function (name) { return name === 'transform'; })) {
    if (names.length) {
      adaptor.setAttribute(children[0], 'transform', adaptor.getAttribute(node, 'transform'));
    }
    adaptor.replace(children[0], node);
  }
}

function render(tex, display) {
  // Each formula on its own: no equation numbers or labels carried over from the last.
  MathJax.texReset();
  var adaptor = MathJax.startup.adaptor;
  var node = MathJax.tex2svg(tex, {display: display});
  slim(adaptor, node);
  var html = adaptor.outerHTML(node);
  // The global font cache maps each glyph id to its outline, for every glyph drawn so far.
  var cache = MathJax.startup.output.fontCache.cache;
  var glyphs = {};
  html.replace(/xlink:href="#([^"]+)"/g, function (use, id) { glyphs[id] = cache.get(id); });
  return JSON.stringify({html: html, glyphs: glyphs});
}
function stylesheet() {
  return MathJax.startup.adaptor.textContent(MathJax.svgStylesheet());
}
