/* Computational-graph playground: a forward pass, then a backward pass, node by node.

   Embedded in docs/backpropagation.md as
     <div class="widget" data-widget="graph-playground" data-graph="chain" data-value-x=… data-grad-x=…></div>
     <div class="widget" data-widget="graph-playground" data-graph="neuron" data-values=… data-expected-grads=…></div>
   The build writes the chapter's leaf values (and what its Python run computed for every node) into the
   data-* attributes: one attribute per node (data-value-NAME, data-grad-NAME), or a whole Python dict in
   data-values / data-expected-grads. The widget starts from those leaves and checks it reproduces the rest.
   Every node is a row <tr data-node="NAME"> whose value cell carries data-value and whose gradient cell
   carries data-grad (empty until the backward pass has run). The root element has data-state
   "forward" or "backward". The explanation of the selected node is .widget__explain, with data-node,
   data-grad, and for one use of the node data-upstream, data-local and data-product. */
(function () {
  "use strict";

  // el, svgEl and fmt come from dom.js, which the page loads just before this file.
  var dom = window.BookWidgets, el = dom.el, svgEl = dom.svgEl, fmt = dom.fmt;
  var counter = 0;

  // Each operation: its forward value, its local derivatives, and how to write them down.
  var OPS = {
    add: {
      forward: function (a, b) { return a + b; },
      local: function () { return [1, 1]; },
      text: function (n) { return n.inputs[0] + " + " + n.inputs[1]; },
      why: function () { return "1 (an add gate passes the gradient on unchanged)"; },
    },
    sub: {
      forward: function (a, b) { return a - b; },
      local: function () { return [1, -1]; },
      text: function (n) { return n.inputs[0] + " − " + n.inputs[1]; },
      why: function (n, i) { return i === 0 ? "1" : "−1 (it is subtracted)"; },
    },
    mul: {
      forward: function (a, b) { return a * b; },
      local: function (a, b) { return [b, a]; },
      text: function (n) { return n.inputs[0] + " · " + n.inputs[1]; },
      why: function (n, i, inputs) { return "the other input, " + n.inputs[1 - i] + " = " + fmt(inputs[1 - i]); },
    },
    relu: {
      forward: function (a) { return a > 0 ? a : 0; },
      local: function (a) { return [a > 0 ? 1 : 0]; },
      text: function (n) { return "relu(" + n.inputs[0] + ") = max(" + n.inputs[0] + ", 0)"; },
      why: function (n, i, inputs) {
        return inputs[0] > 0 ? "1, because " + n.inputs[0] + " = " + fmt(inputs[0]) + " > 0"
          : "0, because " + n.inputs[0] + " = " + fmt(inputs[0]) + " ≤ 0 (the max gate sends nothing back)";
      },
    },
    square: {
      forward: function (a) { return a * a; },
      local: function (a) { return [2 * a]; },
      text: function (n) { return n.inputs[0] + "²"; },
      why: function (n, i, inputs) { return "2 · " + n.inputs[0] + " = " + fmt(2 * inputs[0]); },
    },
  };

  var GRAPHS = {
    chain: {
      title: "Graph playground: f = (x + y) · z",
      output: "f",
      nodes: [
        { name: "x" }, { name: "y" }, { name: "z" },
        { name: "q", op: "add", inputs: ["x", "y"] },
        { name: "f", op: "mul", inputs: ["q", "z"] },
      ],
      select: "x",
    },
    neuron: {
      title: "Graph playground: one neuron, loss = (relu(w1·x1 + w2·x2 + bias) − target)²",
      output: "loss",
      nodes: [
        { name: "x1" }, { name: "x2" }, { name: "w1" }, { name: "w2" }, { name: "bias" }, { name: "target" },
        { name: "p1", op: "mul", inputs: ["w1", "x1"] },
        { name: "p2", op: "mul", inputs: ["w2", "x2"] },
        { name: "s", op: "add", inputs: ["p1", "p2"] },
        { name: "z", op: "add", inputs: ["s", "bias"] },
        { name: "a", op: "relu", inputs: ["z"] },
        { name: "err", op: "sub", inputs: ["a", "target"] },
        { name: "loss", op: "square", inputs: ["err"] },
      ],
      select: "w1",
    },
  };

  // ------------------------------------------------------------------ helpers

  function paren(v) { return v < 0 ? "(" + fmt(v) + ")" : fmt(v); }

  /** A Python dict of floats as the build writes it ({'x1': 2.0, ...}) → a JS object. */
  function pyDict(text) {
    if (!text) return {};
    try { return JSON.parse(text.replace(/'/g, '"')); } catch (e) {
      console.error("graph-playground: cannot read " + text);
      return {};
    }
  }

  // ------------------------------------------------------------- the algorithm

  function forward(graph, leaves) {
    var values = {};
    graph.nodes.forEach(function (n) {
      values[n.name] = n.op ? OPS[n.op].forward.apply(null, n.inputs.map(function (i) { return values[i]; }))
        : leaves[n.name];
    });
    return values;
  }

  /** Reverse-mode: every node hands upstream × local to each of its inputs; a node used twice adds up. */
  function backward(graph, values) {
    var grads = {}, uses = {};
    graph.nodes.forEach(function (n) { grads[n.name] = 0; uses[n.name] = []; });
    grads[graph.output] = 1;
    graph.nodes.slice().reverse().forEach(function (n) {
      if (!n.op) return;
      var inputs = n.inputs.map(function (i) { return values[i]; });
      var local = OPS[n.op].local.apply(null, inputs);
      n.inputs.forEach(function (input, i) {
        var product = grads[n.name] * local[i];
        grads[input] += product;
        uses[input].push({ node: n, index: i, upstream: grads[n.name], local: local[i], product: product, inputs: inputs });
      });
    });
    return { grads: grads, uses: uses };
  }

  // ------------------------------------------------------------------- layout

  /** Layers: an operation sits one past its deepest input; a leaf sits just before its first consumer. */
  function layout(graph) {
    var layer = {}, consumers = {};
    graph.nodes.forEach(function (n) { consumers[n.name] = []; });
    graph.nodes.forEach(function (n) {
      if (!n.op) { layer[n.name] = 0; return; }
      layer[n.name] = 1 + Math.max.apply(null, n.inputs.map(function (i) { return layer[i]; }));
      n.inputs.forEach(function (i, k) { consumers[i].push({ name: n.name, index: k }); });
    });
    graph.nodes.forEach(function (n) {
      if (!n.op && consumers[n.name].length) {
        layer[n.name] = Math.min.apply(null, consumers[n.name].map(function (c) { return layer[c.name]; })) - 1;
      }
    });
    var depth = Math.max.apply(null, graph.nodes.map(function (n) { return layer[n.name]; }));
    var layers = [];
    for (var k = 0; k <= depth; k++) layers.push([]);
    graph.nodes.forEach(function (n) { layers[layer[n.name]].push(n.name); });
    var position = {};
    for (k = depth; k >= 0; k--) {
      layers[k].forEach(function (name, i) {
        var c = consumers[name][0];
        position[name] = c ? position[c.name] + (c.index + 1) * 1e-3 : i;
      });
      layers[k].sort(function (a, b) { return position[a] - position[b]; });
      layers[k].forEach(function (name, i) { position[name] = i / Math.max(1, layers[k].length); });
    }
    return { layers: layers, layer: layer };
  }

  var BOX_H = 54, GAP_X = 34, GAP_Y = 26, GAP_SIDE = 8;

  /** Box positions: left to right, or top to bottom with boxes as narrow as the width needs (66 to 92). */
  function place(shape, horizontal, available) {
    var coords = {}, widest = Math.max.apply(null, shape.layers.map(function (l) { return l.length; }));
    var BOX_W = horizontal ? 92 : Math.max(66, Math.min(92, Math.floor(available / widest) - GAP_SIDE));
    var width, height;
    if (horizontal) {
      width = shape.layers.length * (BOX_W + GAP_X) - GAP_X + 8;
      height = widest * (BOX_H + GAP_Y) - GAP_Y + 8;
      shape.layers.forEach(function (names, k) {
        var offset = (height - (names.length * (BOX_H + GAP_Y) - GAP_Y)) / 2;
        names.forEach(function (name, i) { coords[name] = { x: 4 + k * (BOX_W + GAP_X), y: offset + i * (BOX_H + GAP_Y) }; });
      });
    } else {
      width = widest * (BOX_W + GAP_SIDE);
      height = shape.layers.length * (BOX_H + GAP_Y) - GAP_Y + 8;
      shape.layers.forEach(function (names, k) {
        var offset = (width - (names.length * (BOX_W + GAP_SIDE) - GAP_SIDE)) / 2;
        names.forEach(function (name, i) { coords[name] = { x: offset + i * (BOX_W + GAP_SIDE), y: 4 + k * (BOX_H + GAP_Y) }; });
      });
    }
    return { coords: coords, width: width, height: height, horizontal: horizontal, boxW: BOX_W };
  }

  // ------------------------------------------------------------------- widget

  function init(root) {
    if (root.getAttribute("data-ready") === "true") return; // idempotent
    var graph = GRAPHS[root.getAttribute("data-graph")];
    if (!graph) { console.error("graph-playground: unknown data-graph " + root.getAttribute("data-graph")); return; }
    root.setAttribute("data-ready", "true");
    var uid = "gpg" + (++counter);
    var pageValues = pyDict(root.getAttribute("data-values"));
    var pageGrads = pyDict(root.getAttribute("data-expected-grads"));
    graph.nodes.forEach(function (n) {
      var v = root.getAttribute("data-value-" + n.name), g = root.getAttribute("data-grad-" + n.name);
      if (v !== null && v !== "") pageValues[n.name] = Number(v);
      if (g !== null && g !== "") pageGrads[n.name] = Number(g);
    });
    var leaves = graph.nodes.filter(function (n) { return !n.op; });
    var defaults = {};
    leaves.forEach(function (n) { defaults[n.name] = pageValues[n.name]; });
    var selected = root.getAttribute("data-select") || graph.select;
    var state = { values: null, back: null };
    var shape = layout(graph);
    var out = graph.output;

    // Leaf inputs
    var boxes = {};
    var controls = el("div", { class: "widget__controls widget__controls--compact" });
    leaves.forEach(function (n) {
      var id = uid + "-" + n.name;
      boxes[n.name] = el("input", { type: "number", id: id, step: "any", value: defaults[n.name], inputmode: "decimal",
        "data-control": n.name });
      controls.append(el("div", { class: "widget__control" }, [el("label", { for: id }, [n.name]), boxes[n.name]]));
    });
    var backButton = el("button", { type: "button", class: "widget__primary", "data-control": "backward" }, ["Backward"]);
    var resetButton = el("button", { type: "button", "data-control": "reset" }, ["Back to the page’s values"]);
    var selectId = uid + "-select";
    var select = el("select", { id: selectId, "data-control": "select" });
    graph.nodes.forEach(function (n) {
      select.append(el("option", { value: n.name }, [n.name + (n.op ? " = " + OPS[n.op].text(n) : " (input)")]));
    });

    var svg = svgEl("svg", { role: "img", class: "widget__graph" });
    var tbody = el("tbody");
    var rows = {};
    graph.nodes.forEach(function (n) {
      var valueCell = el("td", { class: "num", "data-cell": "value" }), gradCell = el("td", { class: "num", "data-cell": "grad" });
      var row = el("tr", { "data-node": n.name }, [el("td", {}, [el("code", {}, [n.name])]),
        el("td", {}, [n.op ? OPS[n.op].text(n) : "input"]), valueCell, gradCell]);
      row.addEventListener("click", function () { choose(n.name); });
      rows[n.name] = { row: row, value: valueCell, grad: gradCell };
      tbody.append(row);
    });
    var table = el("table", { class: "widget__table" }, [
      el("thead", {}, [el("tr", {}, [
        el("th", { scope: "col" }, ["node"]), el("th", { scope: "col" }, ["computes"]),
        el("th", { scope: "col", class: "num" }, ["value"]), el("th", { scope: "col", class: "num" }, ["∂" + out + "/∂node"]),
      ])]),
      tbody,
    ]);
    var explain = el("p", { class: "widget__explain widget__status", "aria-live": "polite" });
    var status = el("p", { class: "widget__status", role: "status", "aria-live": "polite" });
    var figure = el("div", { class: "widget__graph-box" }, [svg]);

    root.append(
      el("p", { class: "widget__title" }, [graph.title]),
      el("p", { class: "widget__hint" }, ["Change an input: the forward pass reruns at once. Then press Backward to send " +
        "the gradient of " + out + " back through the graph, and pick a node to see its local × upstream product."]),
      controls,
      el("div", { class: "widget__buttons" }, [backButton, resetButton]),
      el("div", { class: "widget__control widget__select" }, [el("label", { for: selectId }, ["Explain the gradient of node"]), select]),
      explain,
      figure,
      table,
      status
    );

    function readLeaves() {
      var v = {};
      for (var i = 0; i < leaves.length; i++) {
        var x = boxes[leaves[i].name].valueAsNumber;
        if (!Number.isFinite(x)) return null;
        v[leaves[i].name] = x;
      }
      return v;
    }

    function runForward() {
      var v = readLeaves();
      state.back = null;
      root.setAttribute("data-state", "forward");
      if (!v) { state.values = null; status.textContent = "Type a number in every input."; render(); return; }
      state.values = forward(graph, v);
      status.textContent = "Forward pass: " + out + " = " + fmt(state.values[out]) + ". Press Backward for the gradients.";
      render();
    }

    function runBackward() {
      if (!state.values) return;
      state.back = backward(graph, state.values);
      root.setAttribute("data-state", "backward");
      status.textContent = "Backward pass done. " + leaves.map(function (n) {
        return "∂" + out + "/∂" + n.name + " = " + fmt(state.back.grads[n.name]);
      }).join(", ") + ".";
      render();
    }

    function choose(name) {
      selected = name;
      select.value = name;
      render();
    }

    function explainText() {
      var n = graph.nodes.find(function (m) { return m.name === selected; });
      ["data-node", "data-grad", "data-upstream", "data-local", "data-product"].forEach(function (a) { explain.removeAttribute(a); });
      explain.setAttribute("data-node", selected);
      if (!state.values) return "Type a number in every input.";
      var head = selected + (n.op ? " = " + OPS[n.op].text(n) : " is an input") + ", value " + fmt(state.values[selected]) + ". ";
      if (!state.back) return head + "Press Backward to compute ∂" + out + "/∂" + selected + ".";
      var g = state.back.grads[selected];
      explain.setAttribute("data-grad", String(g));
      if (selected === out) return head + "∂" + out + "/∂" + out + " = 1: the backward pass starts with 1 at the output.";
      var uses = state.back.uses[selected];
      var parts = uses.map(function (u) {
        return "∂" + out + "/∂" + u.node.name + " × ∂" + u.node.name + "/∂" + selected + " = " + paren(u.upstream) + " × " +
          paren(u.local) + " = " + fmt(u.product);
      });
      var why = uses.map(function (u) {
        return "The local gradient ∂" + u.node.name + "/∂" + selected + " is " + OPS[u.node.op].why(u.node, u.index, u.inputs) + ".";
      }).join(" ");
      if (uses.length === 1) {
        explain.setAttribute("data-upstream", String(uses[0].upstream));
        explain.setAttribute("data-local", String(uses[0].local));
        explain.setAttribute("data-product", String(uses[0].product));
        return head + "Upstream × local: ∂" + out + "/∂" + selected + " = " + parts[0] + ". " + why;
      }
      return head + selected + " is used " + uses.length + " times, and the chain rule adds the uses: " +
        parts.join("; ") + "; in total ∂" + out + "/∂" + selected + " = " + fmt(g) + ". " + why;
    }

    function render() {
      explain.textContent = explainText();
      graph.nodes.forEach(function (n) {
        var r = rows[n.name];
        var v = state.values ? state.values[n.name] : NaN, g = state.back ? state.back.grads[n.name] : null;
        r.value.textContent = state.values ? fmt(v) : "—";
        r.value.setAttribute("data-value", state.values ? String(v) : "");
        r.grad.textContent = g === null ? "—" : fmt(g);
        r.grad.setAttribute("data-grad", g === null ? "" : String(g));
        r.row.setAttribute("aria-selected", String(n.name === selected));
      });
      draw();
    }

    function draw() {
      var width = figure.clientWidth || 600;
      var wide = place(shape, true, width);
      var p = wide.width <= width ? wide : place(shape, false, width), BOX_W = p.boxW;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      svg.setAttribute("viewBox", "0 0 " + p.width + " " + p.height);
      svg.setAttribute("width", p.width);
      svg.setAttribute("height", p.height);
      var marker = uid + "-arrow";
      var defs = svgEl("defs");
      var m = svgEl("marker", { id: marker, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8, markerHeight: 8,
        markerUnits: "userSpaceOnUse", orient: "auto" });
      m.append(svgEl("path", { d: "M0,0 L10,5 L0,10 z", class: "w-arrow" }));
      defs.append(m);
      svg.append(defs);
      var active = {};
      if (state.back && selected !== out) state.back.uses[selected].forEach(function (u) { active[u.node.name] = true; });
      graph.nodes.forEach(function (n) {
        (n.inputs || []).forEach(function (input) {
          var a = p.coords[input], b = p.coords[n.name], x1, y1, x2, y2;
          if (p.horizontal) { x1 = a.x + BOX_W; y1 = a.y + BOX_H / 2; x2 = b.x; y2 = b.y + BOX_H / 2; }
          else { x1 = a.x + BOX_W / 2; y1 = a.y + BOX_H; x2 = b.x + BOX_W / 2; y2 = b.y; }
          var on = input === selected && active[n.name];
          svg.append(svgEl("line", { class: "w-edge" + (on ? " w-edge--active" : ""), x1: x1, y1: y1, x2: x2, y2: y2,
            "marker-end": "url(#" + marker + ")" }));
        });
      });
      graph.nodes.forEach(function (n) {
        var c = p.coords[n.name];
        var g = svgEl("g", { class: "w-node" + (n.op ? "" : " w-node--leaf") + (n.name === selected ? " w-node--selected" : ""),
          transform: "translate(" + c.x + "," + c.y + ")", "data-node": n.name });
        g.append(svgEl("rect", { width: BOX_W, height: BOX_H, rx: 5 }));
        g.append(svgEl("text", { class: "w-text w-text--name", x: BOX_W / 2, y: 15, "text-anchor": "middle" }, n.name));
        g.append(svgEl("text", { class: "w-text", x: BOX_W / 2, y: 31, "text-anchor": "middle" },
          state.values ? "= " + fmt(state.values[n.name]) : "= ?"));
        g.append(svgEl("text", { class: "w-text w-text--grad", x: BOX_W / 2, y: 47, "text-anchor": "middle" },
          state.back ? "∂ " + fmt(state.back.grads[n.name]) : "∂ ?"));
        g.addEventListener("click", function () { choose(n.name); });
        svg.append(g);
      });
      svg.setAttribute("aria-label", "The computation graph of " + out + ", inputs first: " + graph.nodes.map(function (n) {
        return n.name + (n.op ? " = " + OPS[n.op].text(n) : "") + (state.values ? ", value " + fmt(state.values[n.name]) : "") +
          (state.back ? ", gradient " + fmt(state.back.grads[n.name]) : "");
      }).join("; ") + ".");
    }

    leaves.forEach(function (n) { boxes[n.name].addEventListener("input", runForward); });
    backButton.addEventListener("click", runBackward);
    resetButton.addEventListener("click", function () {
      leaves.forEach(function (n) { boxes[n.name].value = defaults[n.name]; });
      runForward();
    });
    select.addEventListener("change", function () { choose(select.value); });
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(draw, 100);
    });

    selfCheck(graph, defaults, pageValues, pageGrads);
    select.value = selected;
    runForward();
  }

  /** With the page's leaves, the widget must reproduce every value and gradient the page's Python run printed. */
  function selfCheck(graph, defaults, pageValues, pageGrads) {
    var values = forward(graph, defaults), grads = backward(graph, values).grads, bad = [];
    Object.keys(pageValues).forEach(function (k) {
      if (k in values && !(Math.abs(values[k] - pageValues[k]) < 1e-9)) bad.push(k + " = " + values[k] + " vs " + pageValues[k]);
    });
    Object.keys(pageGrads).forEach(function (k) {
      if (k in grads && !(Math.abs(grads[k] - pageGrads[k]) < 1e-9)) bad.push("grad " + k + " = " + grads[k] + " vs " + pageGrads[k]);
    });
    if (bad.length) console.error("graph-playground disagrees with the page's Python run: " + bad.join("; "));
  }

  function initAll() {
    document.querySelectorAll('[data-widget="graph-playground"]').forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
