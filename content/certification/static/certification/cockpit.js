/* The digital cockpit: draws the figures (first from the page, then from each live snapshot of the unit's room):
 * one card per indicator (figure, trend, a sparkline of the last days, a bar per unit below, in its colour) and
 * the warning list. No library: a few SVG elements. */
(function () {
  "use strict";
  var root = document.querySelector("[data-ck]");
  if (!root) return;
  var labels = root.dataset;
  var COLOURS = { green: "#2e7d32", blue: "#1565c0", yellow: "#f9a825", orange: "#ef6c00", red: "#c62828" };
  var SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }
  function show(indicator, value) {
    if (indicator.display === "share") return (value * 100).toFixed(1) + "%";
    if (indicator.display === "ratio") return value.toFixed(2);
    return String(Math.round(value));
  }
  function spark(indicator) {
    var points = indicator.series.map(function (p) { return p.value; });
    var max = Math.max.apply(null, points.concat([indicator.display === "share" ? 1 : 1e-9]));
    var min = Math.min.apply(null, points.concat([0]));
    var width = 300, height = 40, step = points.length > 1 ? width / (points.length - 1) : width;
    var path = points.map(function (v, i) {
      var y = height - 2 - ((v - min) / ((max - min) || 1)) * (height - 4);
      return (i ? "L" : "M") + (i * step).toFixed(1) + " " + y.toFixed(1);
    }).join(" ");
    var node = svg("svg", { viewBox: "0 0 " + width + " " + height, "class": "ck-spark", preserveAspectRatio: "none", role: "img" });
    node.appendChild(svg("path", { d: path, fill: "none", stroke: COLOURS[indicator.colour] || "#999", "stroke-width": "2" }));
    return node;
  }
  function bars(indicator) {
    var rows = indicator.children;
    if (!rows.length) return null;
    var row = 22, width = 300, labelWidth = 90;
    var max = Math.max.apply(null, rows.map(function (r) { return r.value; }).concat([indicator.display === "share" ? 1 : 1e-9]));
    var node = svg("svg", { viewBox: "0 0 " + width + " " + (rows.length * row + 4), "class": "ck-bars", role: "img" });
    rows.forEach(function (r, i) {
      var y = 2 + i * row;
      var g = svg("g", { "data-unit": r.name, "data-colour": r.colour, "data-testid": "ck-bar-" + indicator.key + "-" + r.id });
      var label = svg("text", { x: labelWidth - 4, y: y + 15, "text-anchor": "end", "font-size": "12", fill: "currentColor" });
      label.textContent = r.name.length > 7 ? r.name.slice(0, 6) + "…" : r.name;
      var barWidth = Math.max(1, (r.value / max) * (width - labelWidth - 60));
      g.appendChild(label);
      g.appendChild(svg("rect", { x: labelWidth, y: y + 4, width: barWidth.toFixed(1), height: 14, rx: 3, fill: COLOURS[r.colour] }));
      var value = svg("text", { x: labelWidth + barWidth + 4, y: y + 15, "font-size": "12", fill: "currentColor" });
      value.textContent = show(indicator, r.value);
      g.appendChild(value);
      var link = document.createElementNS(SVG, "a");
      link.setAttribute("href", "?unit=" + r.id);
      link.appendChild(g);
      node.appendChild(link);
    });
    return node;
  }
  function draw(data) {
    var grid = root.querySelector("[data-ck-indicators]");
    grid.textContent = "";
    data.indicators.forEach(function (indicator) {
      var card = el("article", { "class": "ck-card ck-" + indicator.colour, "data-testid": "ck-" + indicator.key, "data-colour": indicator.colour, title: indicator.help });
      card.appendChild(el("h2", {}, indicator.label));
      card.appendChild(el("div", { "class": "ck-value", "data-testid": "ck-value-" + indicator.key }, show(indicator, indicator.value)));
      var sign = indicator.trend > 0 ? "▲ " : indicator.trend < 0 ? "▼ " : "";
      card.appendChild(el("div", { "class": "ck-trend" }, sign + show(indicator, Math.abs(indicator.trend)) + " " + labels.labelTrend));
      card.appendChild(spark(indicator));
      var chart = bars(indicator);
      if (chart) card.appendChild(chart);
      grid.appendChild(card);
    });
    var list = root.querySelector("[data-ck-warnings]");
    list.textContent = "";
    if (!data.warnings.length) list.appendChild(el("li", { "class": "muted" }, labels.labelNone));
    data.warnings.forEach(function (w) {
      var item = el("li", { "class": "ck-" + w.colour, "data-colour": w.colour, "data-indicator": w.indicator });
      var text = w.label + " · " + w.unit + (w.person ? " · " + w.person : "");
      if (w.text) {
        item.appendChild(document.createTextNode(text + " · "));
        item.appendChild(el("a", { href: w.url }, w.text));
      } else {
        item.textContent = text + (w.value !== null && w.value !== undefined ? " · " + w.value : "");
      }
      list.appendChild(item);
    });
    // When the figures were computed, as a clock time in the reader's own zone (the data carries ISO time in UTC).
    var at = new Date(data.at);
    var when = isNaN(at) ? data.at : at.toLocaleTimeString(document.documentElement.lang || undefined, { hour12: false });
    document.querySelectorAll("[data-ck-at]").forEach(function (n) { n.textContent = when; });
  }
  var initial = document.getElementById("ck-data");
  if (initial) draw(JSON.parse(initial.textContent));
  function status(state) {
    var text = state === "live" ? labels.labelLive : state === "paused" || state === "closed" ? labels.labelPaused : labels.labelConnecting;
    document.querySelectorAll("[data-ck-live]").forEach(function (n) { n.textContent = text; n.dataset.state = state; });
  }
  function start() {
    if (!window.LiveRoom) return;
    window.LiveRoom.open(root.dataset.room, {
      snapshot: function (message) { status("live"); draw(message.data); },
      status: status
    });
  }
  if (document.readyState === "complete") start(); else window.addEventListener("load", start);
})();
