/* Perceptron explorer: one two-input perceptron, z = w1·x1 + w2·x2 + b, output 1 if z > 0 else 0.

   Embedded in docs/perceptrons.md as
     <div class="widget" data-widget="perceptron-explorer" data-w1=… data-w2=… data-b=… …></div>
   The build writes the chapter's starting weights, its preset weights and what its Python run computed for
   the start (data-expected-z, data-expected-outputs, data-expected-gates) into the data-* attributes.
   After every change the root element carries, for tests and scripts:
     data-z (JSON list), data-outputs (JSON list), data-matches (comma-separated gate names, "" for none),
   on the four inputs (0, 0), (0, 1), (1, 0), (1, 1) in that order.
   The arithmetic is the chapter's perceptron(): w1 * x1 + w2 * x2 + b, in that order, in 64-bit floats. */
(function () {
  "use strict";

  // el, svgEl and list come from dom.js, which the page loads just before this file. fmt stays below.
  var dom = window.BookWidgets, el = dom.el, svgEl = dom.svgEl, list = dom.list;
  var counter = 0;
  var INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
  var GATES = {
    AND: [0, 0, 0, 1],
    OR: [0, 1, 1, 1],
    NAND: [1, 1, 1, 0],
    XOR: [0, 1, 1, 0],
  };

  /** Up to 4 decimals, no trailing zeros, a real minus sign. Not BookWidgets.fmt, which switches to exponent
      form from a million and writes ∞: a typed weight of 10000000 shows here as 10000000, as it always has. */
  function fmt(v) {
    var text = String(Number(v.toFixed(4)));
    return text === "-0" ? "0" : text.replace(/-/g, "−");
  }

  /** The chapter's perceptron(x1, x2, w1, w2, b): same formula, same order of operations. */
  function weightedSum(x1, x2, w1, w2, b) { return w1 * x1 + w2 * x2 + b; }
  function perceptron(x1, x2, w1, w2, b) { return weightedSum(x1, x2, w1, w2, b) > 0 ? 1 : 0; }

  function evaluate(w1, w2, b) {
    var z = INPUTS.map(function (p) { return weightedSum(p[0], p[1], w1, w2, b); });
    var outputs = INPUTS.map(function (p) { return perceptron(p[0], p[1], w1, w2, b); });
    var right = {}, matches = [];
    Object.keys(GATES).forEach(function (name) {
      right[name] = outputs.filter(function (o, i) { return o === GATES[name][i]; }).length;
      if (right[name] === 4) matches.push(name);
    });
    return { z: z, outputs: outputs, right: right, matches: matches };
  }

  // ------------------------------------------------------------------ drawing

  var S = 260, PAD = 34, LO = -0.5, HI = 1.5;
  function sx(x) { return PAD + (x - LO) / (HI - LO) * (S - PAD - 8); }
  function sy(y) { return S - PAD - (y - LO) / (HI - LO) * (S - PAD - 8); }

  /** The part of the drawing square where z > 0 (a polygon), and the line z = 0 clipped to it. */
  function clipHalfPlane(w1, w2, b) {
    var square = [[LO, LO], [HI, LO], [HI, HI], [LO, HI]];
    var z = function (p) { return w1 * p[0] + w2 * p[1] + b; };
    var region = [], crossings = [];
    for (var i = 0; i < 4; i++) {
      var p = square[i], q = square[(i + 1) % 4], zp = z(p), zq = z(q);
      if (zp > 0) region.push(p);
      if ((zp > 0) !== (zq > 0) && zp !== zq) {
        var t = zp / (zp - zq), c = [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
        region.push(c);
        crossings.push(c);
      }
    }
    var ends = crossings.filter(function (c, k) {  // a line through a corner crosses two edges there
      return crossings.slice(0, k).every(function (e) { return Math.abs(e[0] - c[0]) + Math.abs(e[1] - c[1]) > 1e-9; });
    });
    return { region: region, line: ends.length >= 2 ? ends.slice(0, 2) : null };
  }

  function draw(svg, w1, w2, b, outputs) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var cut = clipHalfPlane(w1, w2, b);
    if (cut.region.length >= 3) {
      svg.append(svgEl("polygon", { class: "w-region-one",
        points: cut.region.map(function (p) { return sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1); }).join(" ") }));
    }
    [0, 1].forEach(function (t) {
      svg.append(svgEl("line", { class: "w-grid", x1: sx(t), x2: sx(t), y1: sy(LO), y2: sy(HI) }));
      svg.append(svgEl("line", { class: "w-grid", x1: sx(LO), x2: sx(HI), y1: sy(t), y2: sy(t) }));
      svg.append(svgEl("text", { class: "w-text--muted", x: sx(t), y: sy(LO) + 13, "text-anchor": "middle" }, String(t)));
      svg.append(svgEl("text", { class: "w-text--muted", x: sx(LO) - 5, y: sy(t) + 3, "text-anchor": "end" }, String(t)));
    });
    svg.append(svgEl("rect", { class: "w-axis", x: sx(LO), y: sy(HI), width: sx(HI) - sx(LO), height: sy(LO) - sy(HI) }));
    svg.append(svgEl("text", { class: "w-text", x: (sx(LO) + sx(HI)) / 2, y: S - 4, "text-anchor": "middle" }, "x₁"));
    svg.append(svgEl("text", { class: "w-text", x: 10, y: (sy(LO) + sy(HI)) / 2 + 4, "text-anchor": "middle" }, "x₂"));
    if (cut.line) {
      svg.append(svgEl("line", { class: "w-line", x1: sx(cut.line[0][0]).toFixed(1), y1: sy(cut.line[0][1]).toFixed(1),
        x2: sx(cut.line[1][0]).toFixed(1), y2: sy(cut.line[1][1]).toFixed(1) }));
    }
    INPUTS.forEach(function (p, i) {
      svg.append(svgEl("circle", { class: outputs[i] ? "w-point--one" : "w-point--zero", cx: sx(p[0]), cy: sy(p[1]), r: 8 }));
    });
  }

  function describe(w1, w2, b, result) {
    var where = INPUTS.map(function (p, i) { return "(" + p[0] + ", " + p[1] + ") → " + result.outputs[i]; }).join(", ");
    var line = w1 === 0 && w2 === 0 ? "There is no line: with w₁ = w₂ = 0, z = b everywhere."
      : "The line w₁x₁ + w₂x₂ + b = 0 is drawn; the shaded side has z > 0 and outputs 1.";
    return "Decision plot of the four inputs. " + line + " Outputs: " + where + ".";
  }

  // ------------------------------------------------------------------ widget

  function control(uid, key, labelText, value) {
    var rangeId = uid + "-" + key + "-range";
    var slider = el("input", { type: "range", id: rangeId, min: -3, max: 3, step: 0.1, value: value, "data-control": key + "-range" });
    var box = el("input", { type: "number", id: uid + "-" + key, step: "any", value: value, inputmode: "decimal",
      "data-control": key, "aria-label": labelText + " (type a value)" });
    return {
      slider: slider, box: box,
      wrap: el("div", { class: "widget__control" }, [
        el("label", { for: rangeId }, [labelText]),
        el("div", { class: "widget__pair" }, [slider, box]),
      ]),
    };
  }

  function init(root) {
    if (root.getAttribute("data-ready") === "true") return; // idempotent
    root.setAttribute("data-ready", "true");
    var uid = "pcx" + (++counter);
    var d = root.dataset;
    var start = [Number(d.w1), Number(d.w2), Number(d.b)];
    var presets = [["AND", start]];
    var or = list(d.or), not = list(d.not);
    if (or) presets.push(["OR", or]);
    if (not) presets.push(["NOT x₁", [not[0], 0, not[1]]]);  // NOT has one input: (w, b) → (w, 0, b)

    var controls = { w1: control(uid, "w1", "Weight w₁", start[0]), w2: control(uid, "w2", "Weight w₂", start[1]),
      b: control(uid, "b", "Bias b", start[2]) };
    var buttons = presets.map(function (p) {
      var button = el("button", { type: "button", "data-preset": p[0] }, [p[0] + " weights"]);
      button.addEventListener("click", function () { set(p[1]); });
      return button;
    });

    var svg = svgEl("svg", { viewBox: "0 0 " + S + " " + S, width: S, height: S, role: "img", class: "widget__plot" });
    var tbody = el("tbody");
    var rows = INPUTS.map(function (p) {
      var zCell = el("td", { class: "num", "data-cell": "z" }), outCell = el("td", { class: "num", "data-cell": "output" });
      var row = el("tr", { "data-input": p.join("") }, [el("td", { class: "num" }, [String(p[0])]),
        el("td", { class: "num" }, [String(p[1])]), zCell, outCell]);
      tbody.append(row);
      return { z: zCell, out: outCell };
    });
    var table = el("table", { class: "widget__table" }, [
      el("caption", {}, ["What the neuron computes"]),
      el("thead", {}, [el("tr", {}, ["x₁", "x₂", "z", "output"].map(function (h) { return el("th", { class: "num", scope: "col" }, [h]); }))]),
      tbody,
    ]);
    var gateList = el("ul", { class: "widget__gates" });
    var gateItems = {};
    Object.keys(GATES).forEach(function (name) {
      gateItems[name] = el("li", { "data-gate": name });
      gateList.append(gateItems[name]);
    });
    var status = el("p", { class: "widget__status", role: "status", "aria-live": "polite" });

    root.append(
      el("p", { class: "widget__title" }, ["Perceptron explorer"]),
      el("p", { class: "widget__hint" }, ["Move the weights and the bias, or type values. Filled orange points output 1, " +
        "hollow points output 0; the shaded side of the line is where z > 0."]),
      el("div", { class: "widget__controls" }, [controls.w1.wrap, controls.w2.wrap, controls.b.wrap]),
      el("div", { class: "widget__buttons" }, buttons),
      el("div", { class: "widget__figures widget__perceptron" }, [
        svg,
        el("div", { class: "widget__tables" }, [table, el("p", { class: "widget__gates-title" }, ["Which gate is it?"]), gateList]),
      ]),
      status
    );

    function values() {
      var v = ["w1", "w2", "b"].map(function (k) { return controls[k].box.valueAsNumber; });
      return v.every(Number.isFinite) ? v : null;
    }

    function update() {
      var v = values();
      if (!v) { status.textContent = "Type a number for each weight and the bias."; return; }
      var r = evaluate(v[0], v[1], v[2]);
      root.setAttribute("data-z", JSON.stringify(r.z));
      root.setAttribute("data-outputs", JSON.stringify(r.outputs));
      root.setAttribute("data-matches", r.matches.join(","));
      rows.forEach(function (row, i) {
        row.z.textContent = fmt(r.z[i]);
        row.z.setAttribute("data-value", String(r.z[i]));
        row.out.textContent = String(r.outputs[i]);
        row.out.setAttribute("data-value", String(r.outputs[i]));
      });
      Object.keys(GATES).forEach(function (name) {
        var item = gateItems[name], ok = r.right[name] === 4;
        item.setAttribute("data-match", String(ok));
        item.setAttribute("data-right", String(r.right[name]));
        item.textContent = name + ": " + (ok ? "✓ computed" : "✗ " + r.right[name] + " of 4 right") +
          (name === "XOR" ? " (no line can do it: see below)" : "");
      });
      draw(svg, v[0], v[1], v[2], r.outputs);
      svg.setAttribute("aria-label", describe(v[0], v[1], v[2], r));
      buttons.forEach(function (button, i) {
        var p = presets[i][1];
        button.setAttribute("aria-pressed", String(p[0] === v[0] && p[1] === v[1] && p[2] === v[2]));
      });
      status.textContent = "w₁ = " + fmt(v[0]) + ", w₂ = " + fmt(v[1]) + ", b = " + fmt(v[2]) + ": outputs " +
        r.outputs.join(", ") + " on (0, 0), (0, 1), (1, 0), (1, 1). " +
        (r.matches.length ? "This perceptron computes " + r.matches.join(" and ") + "."
          : "That is none of AND, OR, NAND and XOR.");
    }

    function set(w) {
      ["w1", "w2", "b"].forEach(function (k, i) {
        controls[k].slider.value = w[i];
        controls[k].box.value = w[i];
      });
      update();
    }

    Object.keys(controls).forEach(function (k) {
      var c = controls[k];
      c.slider.addEventListener("input", function () { c.box.value = c.slider.value; update(); });
      c.box.addEventListener("input", function () {
        if (Number.isFinite(c.box.valueAsNumber)) c.slider.value = c.box.value;
        update();
      });
    });

    selfCheck(d, start);
    set(start);
  }

  /** At the page's starting weights the widget must agree with the page's Python run. */
  function selfCheck(d, start) {
    var r = evaluate(start[0], start[1], start[2]), bad = [];
    var z = list(d.expectedZ), outputs = list(d.expectedOutputs);
    if (z) z.forEach(function (v, i) { if (!(Math.abs(r.z[i] - v) < 1e-9)) bad.push("z[" + i + "] " + r.z[i] + " vs " + v); });
    if (outputs && JSON.stringify(outputs) !== JSON.stringify(r.outputs)) bad.push("outputs " + r.outputs + " vs " + outputs);
    if (d.expectedGates !== undefined) {
      var expected = d.expectedGates === "none" ? "" : d.expectedGates.split(/,\s*/).join(",");
      if (expected !== r.matches.join(",")) bad.push("gates " + r.matches + " vs " + d.expectedGates);
    }
    if (bad.length) console.error("perceptron-explorer disagrees with the page's Python run: " + bad.join("; "));
  }

  function initAll() {
    document.querySelectorAll('[data-widget="perceptron-explorer"]').forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
