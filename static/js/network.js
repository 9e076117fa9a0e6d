// ExoResist network: cargo molecules and drugs linked by accepted evidence.
// A small force-directed layout drawn as SVG; every node is a link (keyboard and
// click), every line links to the evidence behind it. No library, no build step.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var EFFECT_LABELS = {
    confers_resistance: "confers resistance",
    reverses_resistance: "reverses resistance",
    biomarker: "biomarker",
    delivery_vehicle: "delivery vehicle"
  };

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function radius(count, max) {
    return 5 + 17 * Math.sqrt(count / Math.max(max, 1));
  }

  // Fruchterman-Reingold, deterministic: nodes start on a circle in a fixed order.
  function layout(nodes, links, width, height) {
    var n = nodes.length;
    var area = width * height;
    var k = Math.sqrt(area / Math.max(n, 1)) * 0.55;
    var gravity = 0.08;
    var index = {};
    nodes.forEach(function (node, i) {
      var angle = (2 * Math.PI * i) / Math.max(n, 1);
      var ring = node.kind === "drug" ? 0.25 : 0.42;
      node.x = width / 2 + Math.cos(angle) * width * ring;
      node.y = height / 2 + Math.sin(angle) * height * ring;
      index[node.id] = node;
    });
    var edges = links.map(function (l) { return [index[l.source], index[l.target]]; })
      .filter(function (e) { return e[0] && e[1]; });
    var temperature = width / 8;
    // No hard walls: nodes pressed against the box edges piled up in its corners, labels
    // over labels. Gravity keeps the drawing compact and draw() fits the box to it; the
    // bound only stops a runaway.
    var bound = Math.max(width, height);
    var iterations = n > 150 ? 150 : 300;
    for (var it = 0; it < iterations; it++) {
      nodes.forEach(function (v) { v.dx = 0; v.dy = 0; });
      for (var i = 0; i < n; i++) {
        var v = nodes[i];
        for (var j = i + 1; j < n; j++) {
          var u = nodes[j];
          var dx = v.x - u.x, dy = v.y - u.y;
          var d2 = dx * dx + dy * dy || 0.01;
          var d = Math.sqrt(d2);
          var force = (k * k) / d;
          var fx = (dx / d) * force, fy = (dy / d) * force;
          v.dx += fx; v.dy += fy; u.dx -= fx; u.dy -= fy;
        }
      }
      edges.forEach(function (e) {
        var dx = e[0].x - e[1].x, dy = e[0].y - e[1].y;
        var d = Math.sqrt(dx * dx + dy * dy) || 0.01;
        var force = (d * d) / k;
        var fx = (dx / d) * force, fy = (dy / d) * force;
        e[0].dx -= fx; e[0].dy -= fy; e[1].dx += fx; e[1].dy += fy;
      });
      nodes.forEach(function (v) {
        // A pull to the centre keeps separate components together on screen.
        v.dx += (width / 2 - v.x) * gravity;
        v.dy += (height / 2 - v.y) * gravity;
        var d = Math.sqrt(v.dx * v.dx + v.dy * v.dy) || 0.01;
        var step = Math.min(d, temperature);
        v.x = Math.min(width + bound, Math.max(-bound, v.x + (v.dx / d) * step));
        v.y = Math.min(height + bound, Math.max(-bound, v.y + (v.dy / d) * step));
      });
      temperature *= 0.97;
    }
    return index;
  }

  // Where each label goes: below its node if that space is free, else above, right or
  // left, whichever overlaps the labels placed so far and the other nodes least. Larger
  // nodes choose first. Text is not measured (it is not drawn yet): 11px glyphs average
  // about 6.2px wide.
  function placeLabels(nodes, radii) {
    var placed = [];
    var obstacles = nodes.map(function (v) {
      var r = radii[v.id];
      return { id: v.id, x0: v.x - r, y0: v.y - r, x1: v.x + r, y1: v.y + r };
    });
    function overlap(a, b) {
      var w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
      var h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
      return w > 0 && h > 0 ? w * h : 0;
    }
    var out = {};
    nodes.slice().sort(function (a, b) { return b.count - a.count || (a.label < b.label ? -1 : 1); })
      .forEach(function (v) {
        var r = radii[v.id], w = 6.2 * String(v.label).length + 4, h = 13;
        function spot(x, y, anchor, x0, y0) {
          return { x: x, y: y, anchor: anchor, box: { x0: x0, y0: y0, x1: x0 + w, y1: y0 + h } };
        }
        var candidates = [
          spot(v.x, v.y + r + 12, "middle", v.x - w / 2, v.y + r + 1),
          spot(v.x, v.y - r - 4, "middle", v.x - w / 2, v.y - r - 1 - h),
          spot(v.x + r + 3, v.y + 4, "start", v.x + r + 2, v.y - h / 2),
          spot(v.x - r - 3, v.y + 4, "end", v.x - r - 2 - w, v.y - h / 2)
        ];
        var best = null, bestCost = Infinity;
        candidates.forEach(function (c) {
          var cost = 0;
          placed.forEach(function (p) { cost += overlap(c.box, p); });
          obstacles.forEach(function (o) { if (o.id !== v.id) cost += overlap(c.box, o); });
          if (cost < bestCost) { best = c; bestCost = cost; }
        });
        placed.push(best.box);
        out[v.id] = best;
      });
    return out;
  }

  function draw(container, data) {
    container.textContent = "";
    if (!data.nodes.length) {
      var p = document.createElement("p");
      p.className = "network-status muted";
      p.textContent = "No cargo molecule and drug are linked by accepted evidence here yet.";
      container.appendChild(p);
      return;
    }
    var width = Math.max(container.clientWidth, 320);
    var height = Math.max(container.clientHeight, 320);
    var index = layout(data.nodes, data.links, width, height);
    var max = data.nodes.reduce(function (m, node) { return Math.max(m, node.count); }, 1);
    var maxEdge = data.links.reduce(function (m, l) { return Math.max(m, l.count); }, 1);
    var radii = {};
    data.nodes.forEach(function (v) { radii[v.id] = radius(v.count, max); });
    var labels = placeLabels(data.nodes, radii);

    // Fit the box to the nodes and their labels.
    var pad = 8;
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    data.nodes.forEach(function (v) {
      var r = radii[v.id], box = labels[v.id].box;
      minX = Math.min(minX, v.x - r, box.x0); maxX = Math.max(maxX, v.x + r, box.x1);
      minY = Math.min(minY, v.y - r, box.y0); maxY = Math.max(maxY, v.y + r, box.y1);
    });
    minX -= pad; minY -= pad; maxX += pad; maxY += pad;
    var svg = el("svg", {
      viewBox: [minX, minY, maxX - minX, maxY - minY].join(" "),
      preserveAspectRatio: "xMidYMid meet",
      role: "img",
      "aria-label": data.nodes.length + " nodes and " + data.links.length + " links"
    });
    var edgeLayer = el("g", { class: "edges" });
    var nodeLayer = el("g", { class: "nodes" });
    // Labels above every node: a node drawn later no longer hides an earlier one's name.
    var labelLayer = el("g", { class: "labels", "aria-hidden": "true" });
    svg.appendChild(edgeLayer);
    svg.appendChild(nodeLayer);
    svg.appendChild(labelLayer);

    data.links.forEach(function (link) {
      var a = index[link.source], b = index[link.target];
      if (!a || !b) return;
      var anchor = el("a", { href: link.url, tabindex: "-1", class: "edge-link" });
      var line = el("line", {
        x1: a.x, y1: a.y, x2: b.x, y2: b.y,
        class: "edge effect-" + link.effect.replace(/_/g, "-"),
        "stroke-width": 1.5 + 4 * (link.count / maxEdge)
      });
      var title = el("title");
      title.textContent = a.label + " – " + b.label + ": " + link.count + " evidence item" +
        (link.count === 1 ? "" : "s") + " (mostly " + (EFFECT_LABELS[link.effect] || link.effect) + ")";
      line.appendChild(title);
      anchor.appendChild(line);
      edgeLayer.appendChild(anchor);
    });

    data.nodes.forEach(function (node) {
      var r = radii[node.id];
      var anchor = el("a", {
        href: node.url,
        class: "node node-" + node.kind,
        "data-node-id": node.id,
        "aria-label": node.label + " (" + node.kind + ", " + node.count + " evidence)"
      });
      var shape;
      if (node.kind === "drug") {
        shape = el("rect", { x: node.x - r, y: node.y - r, width: 2 * r, height: 2 * r, rx: 3, class: "node-shape" });
      } else {
        shape = el("circle", { cx: node.x, cy: node.y, r: r, class: "node-shape" });
      }
      var title = el("title");
      title.textContent = node.label + ": " + node.count + " evidence item" + (node.count === 1 ? "" : "s");
      shape.appendChild(title);
      var spot = labels[node.id];
      var label = el("text", { x: spot.x, y: spot.y, "text-anchor": spot.anchor, class: "node-label" });
      label.textContent = node.label;
      anchor.appendChild(shape);
      labelLayer.appendChild(label);
      nodeLayer.appendChild(anchor);
    });
    container.appendChild(svg);
    container.setAttribute("data-rendered", "true");
    if (data.truncated) {
      var note = document.createElement("p");
      note.className = "muted small";
      note.textContent = "Showing the strongest links only; filter to see the rest.";
      container.parentNode.insertBefore(note, container.nextSibling);
    }
  }

  function load(container) {
    fetch(container.getAttribute("data-network"), { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { draw(container, data); })
      .catch(function () {
        container.textContent = "";
        var p = document.createElement("p");
        p.className = "network-status";
        p.textContent = "The network could not be loaded.";
        container.appendChild(p);
      });
  }

  window.ExoResistNetwork = { layout: layout, placeLabels: placeLabels };
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-network]").forEach(load);
  });
})();
