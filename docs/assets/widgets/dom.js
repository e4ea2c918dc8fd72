/* Small DOM helpers shared by the book's widgets (graph-playground.js, lr-explorer.js, perceptron-explorer.js).

   A widget page loads this file first, then its widget, both deferred (deferred scripts run in document order):
     <script src="../assets/widgets/dom.js" defer></script>
     <script src="../assets/widgets/NAME.js" defer></script>
   Everything is on one global, window.BookWidgets, so the widgets add no other names to the page.
   Running this file twice is harmless: it only puts the same functions on the global again. */
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";

  /** An HTML element with these attributes and children (nodes or strings). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }

  /** An SVG element (it needs the SVG namespace to render); text, if given, becomes its content. */
  function svgEl(tag, attrs, text) {
    var node = document.createElementNS(NS, tag);
    setAttrs(node, attrs);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Undefined and null values are skipped, so a caller can leave an attribute out with `cond ? "1" : undefined`. */
  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    });
  }

  /** A JSON list the build wrote into a data-* attribute, or null when it is missing or unreadable. */
  function list(value) {
    if (!value) return null;
    try { return JSON.parse(value); } catch (e) { return null; }
  }

  /** Up to 4 decimals, no trailing zeros, a real minus sign; exponent form from a million on, ∞ and NaN in words. */
  function fmt(v) {
    if (!Number.isFinite(v)) return Number.isNaN(v) ? "not a number" : (v > 0 ? "∞" : "−∞");
    var text = Math.abs(v) >= 1e6 ? v.toExponential(3) : String(Number(v.toFixed(4)));
    return text === "-0" ? "0" : text.replace(/-/g, "−");
  }

  window.BookWidgets = { el: el, svgEl: svgEl, setAttrs: setAttrs, list: list, fmt: fmt };
})();
