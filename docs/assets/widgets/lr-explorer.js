/* Learning-rate explorer: plain gradient descent on (x − 5)² or on x⁴ − 3x² + x, run in the browser.

   Embedded in docs/gradient_descent.md as
     <div class="widget" data-widget="lr-explorer" data-start=… data-lr=… data-steps=… …></div>
   The page's build writes the chapter's settings and the numbers its Python run produced into the
   data-* attributes; the widget starts from those settings and checks that it reproduces those numbers.
   After every run the root element carries the results for tests and scripts:
     data-final-x, data-final-f, data-diverged ("true"/"false"), data-verdict, data-path (JSON list of x).
   No framework, no request to any other host. */
(function () {
  "use strict";

  // el, svgEl and list come from dom.js, which the page loads just before this file. fmt stays below.
  var dom = window.BookWidgets, el = dom.el, svgEl = dom.svgEl, list = dom.list;
  var counter = 0;

  var FUNCTIONS = {
    parabola: {
      label: "(x − 5)²",
      f: function (x) { return (x - 5) * (x - 5); },
      df: function (x) { return 2 * (x - 5); },
      view: [-2, 12],
      startRange: [-5, 15, 0.1],
      logLoss: true,
    },
    two_minima: {
      label: "x⁴ − 3x² + x",
      f: function (x) { return x * x * x * x - 3 * x * x + x; },
      df: function (x) { return 4 * x * x * x - 6 * x + 1; },
      view: [-2.2, 2.2],
      startRange: [-2.5, 2.5, 0.05],
      logLoss: false,
    },
  };

  // The three points where the slope of x⁴ − 3x² + x is zero, by Newton's method on f'.
  var CRITICAL = [-1.3, 0.17, 1.13].map(function (x) {
    for (var i = 0; i < 50; i++) x -= (4 * x * x * x - 6 * x + 1) / (12 * x * x - 6);
    return x;
  });

  var OVERFLOW = 1e8; // |x| beyond this: stop, the run has left any sensible scale

  // ------------------------------------------------------------------ helpers

  function num(value) {
    // Python writes the page's numbers; a leading minus is ASCII, and lists are JSON-compatible.
    return value === null || value === undefined || value === "" ? NaN : Number(value);
  }

  /** A number for reading: 4 decimals, a real minus sign, exponent form when huge.
      Not BookWidgets.fmt: this one keeps trailing zeros (1.5000, not 1.5), writes a tiny non-zero number
      as 3.0e−5 rather than 0, and takes a number of digits. */
  function fmt(v, digits) {
    if (digits === undefined) digits = 4;
    if (Number.isNaN(v)) return "not a number";
    if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
    var a = Math.abs(v), text;
    if (a >= 1e6) text = v.toExponential(3);
    else if (a !== 0 && a < 5e-5) text = v.toExponential(1);  // tiny but not zero: say so
    else text = v.toFixed(digits);
    if (/^-0\.?0*$/.test(text)) text = text.slice(1);
    return text.replace(/-/g, "−");
  }

  function niceTicks(lo, hi, count) {
    var span = hi - lo;
    if (!(span > 0)) return [lo];
    var raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * mag; }).find(function (s) { return s >= raw; });
    var ticks = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    return ticks;
  }

  function tickLabel(t) {
    var text = Math.abs(t) >= 1e4 ? t.toExponential(0) : String(Number(t.toPrecision(6)));
    return text.replace(/-/g, "−");
  }

  var SUPERSCRIPT = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹" };
  function powerOfTen(k) {
    return "10" + String(k).split("").map(function (c) { return SUPERSCRIPT[c]; }).join("");
  }

  // ------------------------------------------------------------- the algorithm

  /** Gradient descent as the chapter's descend(): x before each step and after the last, and f there. */
  function descend(fn, start, lr, steps) {
    var xs = [start], fs = [fn.f(start)], x = start, overflow = false;
    for (var i = 0; i < steps; i++) {
      x = x - lr * fn.df(x);
      var fx = fn.f(x);
      xs.push(x);
      fs.push(fx);
      if (!Number.isFinite(x) || !Number.isFinite(fx) || Math.abs(x) > OVERFLOW) { overflow = true; break; }
    }
    return { xs: xs, fs: fs, overflow: overflow };
  }

  /** Does the run diverge, settle, or neither? */
  function verdict(fn, run) {
    var xs = run.xs, fs = run.fs, n = xs.length - 1;
    if (run.overflow) return { kind: "diverges", diverged: true };
    if (n < 1) return { kind: "unsettled", diverged: false };
    var first = Math.abs(xs[1] - xs[0]), last = Math.abs(xs[n] - xs[n - 1]);
    if (first === 0) return { kind: "still", diverged: false };
    if (fs[n] > fs[0] && last > first) return { kind: "diverges", diverged: true };
    if (last < first) return { kind: "converges", diverged: false };
    return { kind: "unsettled", diverged: false };
  }

  // ----------------------------------------------------------------- drawing

  var W = 320, H = 210, M = { l: 44, r: 10, t: 10, b: 34 };

  function frame(svg, xlo, xhi, ylo, yhi, xlabel, ylabel, ylog) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var sx = function (x) { return M.l + (x - xlo) / (xhi - xlo) * (W - M.l - M.r); };
    var sy = function (y) { return H - M.b - (y - ylo) / (yhi - ylo) * (H - M.t - M.b); };
    var id = svg.getAttribute("data-clip");
    var defs = svgEl("defs");
    var clip = svgEl("clipPath", { id: id });
    clip.append(svgEl("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b }));
    defs.append(clip);
    svg.append(defs);
    niceTicks(xlo, xhi, 5).forEach(function (t) {
      svg.append(svgEl("line", { class: "w-grid", x1: sx(t), x2: sx(t), y1: M.t, y2: H - M.b }));
      svg.append(svgEl("text", { class: "w-text--muted", x: sx(t), y: H - M.b + 12, "text-anchor": "middle" }, tickLabel(t)));
    });
    var yt = ylog ? niceTicks(Math.ceil(ylo), Math.floor(yhi), 4).filter(function (t) { return Number.isInteger(t); })
      : niceTicks(ylo, yhi, 4);
    yt.forEach(function (t) {
      svg.append(svgEl("line", { class: "w-grid", x1: M.l, x2: W - M.r, y1: sy(t), y2: sy(t) }));
      svg.append(svgEl("text", { class: "w-text--muted", x: M.l - 4, y: sy(t) + 3, "text-anchor": "end" },
        ylog ? powerOfTen(t) : tickLabel(t)));
    });
    svg.append(svgEl("rect", { class: "w-axis", x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b }));
    svg.append(svgEl("text", { class: "w-text", x: (M.l + W - M.r) / 2, y: H - 4, "text-anchor": "middle" }, xlabel));
    svg.append(svgEl("text", { class: "w-text", x: 11, y: (M.t + H - M.b) / 2, "text-anchor": "middle",
      transform: "rotate(-90 11 " + (M.t + H - M.b) / 2 + ")" }, ylabel));
    var plot = svgEl("g", { "clip-path": "url(#" + id + ")" });
    svg.append(plot);
    return { sx: sx, sy: sy, plot: plot };
  }

  function points(xs, ys, sx, sy) {
    return xs.map(function (x, i) { return sx(x).toFixed(1) + "," + sy(ys[i]).toFixed(1); }).join(" ");
  }

  function drawPath(svg, fn, run) {
    var lo = fn.view[0], hi = fn.view[1], span = hi - lo;
    var finite = run.xs.filter(function (x, i) { return Number.isFinite(x) && Number.isFinite(run.fs[i]); });
    var pmin = Math.min.apply(null, finite), pmax = Math.max.apply(null, finite);
    if (pmin < lo || pmax > hi) {
      var lo2 = Math.min(lo, pmin - 0.05 * span), hi2 = Math.max(hi, pmax + 0.05 * span);
      if (hi2 - lo2 <= 40 * span) { lo = lo2; hi = hi2; }
    }
    var grid = [];
    for (var i = 0; i <= 160; i++) grid.push(lo + (hi - lo) * i / 160);
    var curve = grid.map(fn.f);
    var ylo = Math.min.apply(null, curve), yhi = Math.max.apply(null, curve);
    if (fn.logLoss) ylo = Math.min(ylo, 0);
    var pad = 0.06 * (yhi - ylo || 1);
    var g = frame(svg, lo, hi, ylo - pad, yhi + pad, "x", "f(x)", false);
    g.plot.append(svgEl("polyline", { class: "w-curve", points: points(grid, curve, g.sx, g.sy) }));
    var xs = [], ys = [];
    run.xs.forEach(function (x, k) {
      if (Number.isFinite(x) && Number.isFinite(run.fs[k]) && Math.abs(run.fs[k]) < 1e12) { xs.push(x); ys.push(run.fs[k]); }
    });
    g.plot.append(svgEl("polyline", { class: "w-path" + (run.diverged ? " w-bad" : ""), points: points(xs, ys, g.sx, g.sy) }));
    xs.forEach(function (x, k) {
      g.plot.append(svgEl("circle", { class: k === xs.length - 1 ? "w-dot w-dot--end" : "w-dot",
        cx: g.sx(x).toFixed(1), cy: g.sy(ys[k]).toFixed(1), r: k === xs.length - 1 ? 4 : 2.5 }));
    });
    if (xs.length) {
      var right = g.sx(xs[0]) > W / 2;  // keep the label inside the plot
      g.plot.append(svgEl("text", { class: "w-text", x: (g.sx(xs[0]) + (right ? -6 : 6)).toFixed(1),
        y: (g.sy(ys[0]) - 6).toFixed(1), "text-anchor": right ? "end" : "start" }, "start"));
    }
  }

  function drawLoss(svg, fn, run) {
    var steps = [], ys = [];
    run.fs.forEach(function (f, k) {
      if (!Number.isFinite(f)) return;
      steps.push(k);
      ys.push(fn.logLoss ? Math.log10(Math.max(f, 1e-12)) : f);
    });
    var n = Math.max(1, run.xs.length - 1);
    var ylo = Math.min.apply(null, ys), yhi = Math.max.apply(null, ys);
    if (fn.logLoss) { ylo = Math.floor(ylo); yhi = Math.ceil(yhi); if (yhi === ylo) yhi += 1; }
    else { var pad = 0.08 * (yhi - ylo || 1); ylo -= pad; yhi += pad; }
    var g = frame(svg, 0, n, ylo, yhi, "step", fn.logLoss ? "f(x), log scale" : "f(x)", fn.logLoss);
    g.plot.append(svgEl("polyline", { class: "w-path" + (run.diverged ? " w-bad" : ""), points: points(steps, ys, g.sx, g.sy) }));
    steps.forEach(function (s, k) {
      g.plot.append(svgEl("circle", { class: "w-dot", cx: g.sx(s).toFixed(1), cy: g.sy(ys[k]).toFixed(1), r: 2 }));
    });
  }

  // ------------------------------------------------------------------ controls

  function numberControl(uid, key, labelText, range, value, integer) {
    var rangeId = uid + "-" + key + "-range", numberId = uid + "-" + key;
    var slider = el("input", { type: "range", id: rangeId, min: range[0], max: range[1], step: range[2], value: value,
      "data-control": key + "-range" });
    var box = el("input", { type: "number", id: numberId, step: integer ? "1" : "any", value: value,
      min: integer ? "1" : undefined, max: integer ? "1000" : undefined, inputmode: integer ? "numeric" : "decimal",
      "data-control": key, "aria-label": labelText + " (type a value)" });
    var wrap = el("div", { class: "widget__control" }, [
      el("label", { for: rangeId }, [labelText]),
      el("div", { class: "widget__pair" }, [slider, box]),
    ]);
    return { wrap: wrap, slider: slider, box: box };
  }

  // -------------------------------------------------------------------- widget

  function init(root) {
    if (root.getAttribute("data-ready") === "true") return; // idempotent
    root.setAttribute("data-ready", "true");
    var uid = "lrx" + (++counter);
    var d = root.dataset;

    var presets = {
      parabola: { start: num(d.start), lr: num(d.lr), steps: num(d.steps),
        expected: { finalX: num(d.expectedFinalX), finalF: num(d.expectedFinalF), path: list(d.expectedPath) } },
      two_minima: { start: num(d.twoStart), lr: num(d.twoLr), steps: num(d.twoSteps),
        expected: { finalX: num(d.twoExpectedFinalX), finalF: num(d.twoExpectedFinalF) } },
    };
    var current = "parabola";

    // Controls
    var radios = {};
    var fieldset = el("fieldset", { class: "widget__fn" }, [el("legend", {}, ["Function to minimise"])]);
    Object.keys(FUNCTIONS).forEach(function (key) {
      var id = uid + "-fn-" + key;
      radios[key] = el("input", { type: "radio", name: uid + "-fn", id: id, value: key, "data-control": "function" });
      fieldset.append(el("label", { for: id }, [radios[key], " f(x) = " + FUNCTIONS[key].label]));
    });
    var lr = numberControl(uid, "lr", "Learning rate α", [0, 1.2, 0.005], presets.parabola.lr, false);
    var start = numberControl(uid, "start", "Start x₀", FUNCTIONS.parabola.startRange, presets.parabola.start, false);
    var steps = numberControl(uid, "steps", "Number of steps", [1, 100, 1], presets.parabola.steps, true);
    var reset = el("button", { type: "button", "data-control": "reset" }, ["Back to the page’s values"]);

    var pathSvg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "data-clip": uid + "-clip-path",
      width: W, height: H, class: "widget__path" });
    var lossSvg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "data-clip": uid + "-clip-loss",
      width: W, height: H, class: "widget__loss" });
    var status = el("p", { class: "widget__status widget__numbers", role: "status", "aria-live": "polite" });

    root.append(
      el("p", { class: "widget__title" }, ["Learning-rate explorer"]),
      el("p", { class: "widget__hint" }, ["It starts from the runs on this page. Move a slider or type a value; " +
        "the path and the loss curve are recomputed in your browser."]),
      fieldset,
      el("div", { class: "widget__controls" }, [lr.wrap, start.wrap, steps.wrap]),
      el("div", { class: "widget__buttons" }, [reset]),
      el("div", { class: "widget__figures" }, [pathSvg, lossSvg]),
      status
    );

    function readValues() {
      var a = lr.box.valueAsNumber, s = start.box.valueAsNumber, n = steps.box.valueAsNumber;
      if (!Number.isFinite(a) || a < 0) return "Type a learning rate of 0 or more.";
      if (!Number.isFinite(s)) return "Type a start value.";
      if (!Number.isInteger(n) || n < 1 || n > 1000) return "Type a whole number of steps from 1 to 1000.";
      return { lr: a, start: s, steps: n };
    }

    function update() {
      var v = readValues();
      if (typeof v === "string") { status.textContent = v; status.removeAttribute("data-tone"); return; }
      var fn = FUNCTIONS[current];
      var run = descend(fn, v.start, v.lr, v.steps);
      var judged = verdict(fn, run);
      run.diverged = judged.diverged;
      var n = run.xs.length - 1, xN = run.xs[n], fN = run.fs[n];

      root.setAttribute("data-function", current);
      root.setAttribute("data-final-x", String(xN));
      root.setAttribute("data-final-f", String(fN));
      root.setAttribute("data-steps-run", String(n));
      root.setAttribute("data-diverged", String(judged.diverged));
      root.setAttribute("data-verdict", judged.kind);
      root.setAttribute("data-path", JSON.stringify(run.xs));

      drawPath(pathSvg, fn, run);
      drawLoss(lossSvg, fn, run);
      pathSvg.setAttribute("aria-label", "Gradient descent on f(x) = " + fn.label + " with α = " + v.lr + ": " +
        (n + 1) + " points from x = " + fmt(run.xs[0]) + " to x = " + fmt(xN) + ", drawn on the curve.");
      lossSvg.setAttribute("aria-label", "f(x) at each step, from " + fmt(run.fs[0]) + " at the start to " + fmt(fN) +
        " after " + n + " steps" + (fn.logLoss ? ", on a log scale." : "."));

      var text = "After " + n + " step" + (n === 1 ? "" : "s") + ": x = " + fmt(xN) + ", f(x) = " + fmt(fN) + ". ";
      if (judged.kind === "diverges") {
        text += run.overflow
          ? "Diverged: |x| passed 10⁸ after " + n + " steps, so the run was stopped."
          : "Diverges: every step lands farther away than the last, and f(x) grew from " + fmt(run.fs[0]) + " to " + fmt(fN) + ".";
        status.setAttribute("data-tone", "bad");
      } else if (judged.kind === "still") {
        text += "The slope is zero at the start" + (v.lr === 0 ? " or α is 0" : "") + ", so x never moves.";
        status.removeAttribute("data-tone");
      } else if (judged.kind === "converges") {
        text += "Settling down: the last step (" + fmt(Math.abs(run.xs[n] - run.xs[n - 1])) + ") is smaller than the first (" +
          fmt(Math.abs(run.xs[1] - run.xs[0])) + ").";
        if (current === "two_minima") {
          text += xN < CRITICAL[1] ? " It is heading for the deep valley, the global minimum near x = " + fmt(CRITICAL[0], 2) + "."
            : " It is heading for the shallow valley, the local minimum near x = " + fmt(CRITICAL[2], 2) + ".";
        } else {
          text += " The minimum is at x = 5.";
        }
        status.setAttribute("data-tone", "good");
      } else {
        text += "Not settling: the last step is as large as the first.";
        status.removeAttribute("data-tone");
      }
      status.textContent = text;
    }

    function load(key) {
      current = key;
      radios[key].checked = true;
      var p = presets[key], fn = FUNCTIONS[key];
      start.slider.min = fn.startRange[0]; start.slider.max = fn.startRange[1]; start.slider.step = fn.startRange[2];
      [[lr, p.lr], [start, p.start], [steps, p.steps]].forEach(function (pair) {
        pair[0].slider.value = pair[1];
        pair[0].box.value = pair[1];
      });
      update();
    }

    [lr, start, steps].forEach(function (c) {
      c.slider.addEventListener("input", function () { c.box.value = c.slider.value; update(); });
      c.box.addEventListener("input", function () {
        if (Number.isFinite(c.box.valueAsNumber)) c.slider.value = c.box.value;
        update();
      });
    });
    Object.keys(radios).forEach(function (key) {
      radios[key].addEventListener("change", function () { if (radios[key].checked) load(key); });
    });
    reset.addEventListener("click", function () { load(current); });

    selfCheck(presets);
    load("parabola");
  }

  /** At the page's settings the widget must reproduce the page's Python run (to 4 decimals). */
  function selfCheck(presets) {
    Object.keys(presets).forEach(function (key) {
      var p = presets[key], e = p.expected;
      if (!Number.isFinite(p.start)) return;
      var run = descend(FUNCTIONS[key], p.start, p.lr, p.steps);
      var n = run.xs.length - 1, bad = [];
      if (Number.isFinite(e.finalX) && !(Math.abs(run.xs[n] - e.finalX) < 1e-4)) bad.push("final x " + run.xs[n] + " vs " + e.finalX);
      if (Number.isFinite(e.finalF) && !(Math.abs(run.fs[n] - e.finalF) < 1e-4)) bad.push("final f " + run.fs[n] + " vs " + e.finalF);
      if (e.path) e.path.forEach(function (x, k) {
        if (!(Math.abs(run.xs[k] - x) < 1e-4)) bad.push("x after " + k + " steps " + run.xs[k] + " vs " + x);
      });
      if (bad.length) console.error("lr-explorer (" + key + ") disagrees with the page's Python run: " + bad.join("; "));
    });
  }

  function initAll() {
    document.querySelectorAll('[data-widget="lr-explorer"]').forEach(init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initAll);
  else initAll();
})();
