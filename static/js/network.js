// ExoResist network: cargo molecules and drugs linked by accepted evidence, drawn with
// Cytoscape.js (static/vendor/, see its README) and laid out by fCoSE. Every [data-network]
// element is filled from its network.json URL; the server-rendered tables beside it hold the
// same nodes and links for readers without JavaScript or a screen.
(function () {
  "use strict";

  var EFFECTS = {
    confers_resistance: { label: "confers resistance", colour: "--confers" },
    reverses_resistance: { label: "reverses resistance", colour: "--reverses" },
    biomarker: { label: "biomarker", colour: "--biomarker" },
    delivery_vehicle: { label: "delivery vehicle", colour: "--delivery" }
  };
  // Labels keep this size on screen at any zoom (their size in the model is set per zoom).
  var LABEL_PX = 12;
  var OUTLINE_PX = 3;
  var graphs = [];

  // Colours come from the stylesheet, so the legend and the drawing cannot disagree.
  function colour(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function elements(data) {
    var maxNode = data.nodes.reduce(function (m, n) { return Math.max(m, n.count); }, 1);
    var maxEdge = data.links.reduce(function (m, l) { return Math.max(m, l.count); }, 1);
    var labels = {};
    var nodes = data.nodes.map(function (n) {
      labels[n.id] = n.label;
      return {
        group: "nodes",
        data: {
          id: n.id, label: n.label, kind: n.kind, count: n.count, url: n.url,
          size: 16 + 38 * Math.sqrt(n.count / maxNode)
        }
      };
    });
    var edges = data.links.filter(function (l) { return labels[l.source] && labels[l.target]; }).map(function (l) {
      var effect = EFFECTS[l.effect];
      return {
        group: "edges",
        data: {
          id: l.source + "~" + l.target, source: l.source, target: l.target,
          count: l.count, effect: l.effect, effects: l.effects || {}, url: l.url,
          width: 1.5 + 5 * Math.sqrt(l.count / maxEdge),
          colour: effect ? colour(effect.colour, "#6b7280") : colour("--other", "#6b7280"),
          title: labels[l.source] + " – " + labels[l.target]
        }
      };
    });
    return nodes.concat(edges);
  }

  function stylesheet() {
    var ink = colour("--ink", "#1d2330");
    return [
      {
        selector: "node",
        style: {
          width: "data(size)", height: "data(size)",
          label: "data(label)", "font-size": LABEL_PX, "font-family": "system-ui, sans-serif",
          color: ink, "text-valign": "bottom", "text-margin-y": 2,
          "text-outline-color": "#fbfcfe", "text-outline-width": OUTLINE_PX, "text-outline-opacity": 0.9,
          "border-color": "#ffffff", "border-width": 1.5
        }
      },
      { selector: "node[kind = 'cargo']", style: { shape: "ellipse", "background-color": colour("--cargo-node", "#2f74c0") } },
      { selector: "node[kind = 'drug']", style: { shape: "round-rectangle", "background-color": colour("--drug-node", "#e07b00") } },
      { selector: "node.label-hidden", style: { "text-opacity": 0 } },
      {
        selector: "node.hover, node:selected",
        style: { "border-color": ink, "border-width": 3, "text-opacity": 1, "z-index": 10 }
      },
      {
        selector: "edge",
        style: { width: "data(width)", "line-color": "data(colour)", opacity: 0.6, "curve-style": "straight" }
      },
      { selector: "edge.hover, edge:selected", style: { opacity: 1, "z-index": 10 } },
      { selector: "node.faded, edge.faded", style: { opacity: 0.15 } }
    ];
  }

  // fCoSE starts from a random spectral layout: a fixed seed draws the same picture on
  // every visit (and in the screenshots), without changing Math.random for anyone else.
  function seeded(seed, run) {
    var original = Math.random;
    var state = seed >>> 0;
    Math.random = function () {
      state = (state + 0x6d2b79f5) >>> 0;
      var t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    try { run(); } finally { Math.random = original; }
  }

  function layout(cy) {
    var options = {
      name: cy.hasFcose ? "fcose" : "cose",
      quality: "proof", randomize: true, animate: false, fit: false,
      nodeDimensionsIncludeLabels: true, padding: 24,
      idealEdgeLength: function () { return 70; },
      nodeRepulsion: function () { return 9000; },
      nodeSeparation: 80, gravity: 0.3, gravityRange: 3.0, numIter: 2500
    };
    seeded(13, function () { cy.layout(options).run(); });
    // The box is wide (or tall, on a phone): turn a drawing of the other shape a quarter turn,
    // then stretch it a little towards the box's shape, so that it fills the space.
    var bb = cy.nodes().boundingBox();
    var want = cy.width() / cy.height();
    if (bb.w > 0 && bb.h > 0 && (want > 1) !== (bb.w / bb.h > 1)) {
      cy.nodes().positions(function (node) { var p = node.position(); return { x: -p.y, y: p.x }; });
      bb = cy.nodes().boundingBox();
    }
    if (bb.w > 0 && bb.h > 0) {
      var have = bb.w / bb.h;
      var sx = want > have ? Math.min(want / have, 1.6) : 1;
      var sy = want < have ? Math.min(have / want, 1.6) : 1;
      var cx = bb.x1 + bb.w / 2, cyy = bb.y1 + bb.h / 2;
      cy.nodes().positions(function (node) {
        var p = node.position();
        return { x: cx + (p.x - cx) * sx, y: cyy + (p.y - cyy) * sy };
      });
    }
  }

  // Keep labels LABEL_PX on screen, then hide those that would overlap a larger node's label
  // (they show on hover, on selection and when zoomed in far enough to make room).
  function relabel(cy) {
    var zoom = cy.zoom();
    cy.batch(function () {
      cy.style().selector("node").style({
        "font-size": LABEL_PX / zoom,
        "text-outline-width": OUTLINE_PX / zoom,
        "text-margin-y": 2 / zoom
      }).update();
    });
    var placed = [];
    var ext = cy.extent();
    cy.batch(function () {
      cy.nodes().sort(function (a, b) { return b.data("count") - a.data("count") || (a.data("label") < b.data("label") ? -1 : 1); })
        .forEach(function (node) {
          var box = node.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true });
          var onScreen = box.x2 > ext.x1 && box.x1 < ext.x2 && box.y2 > ext.y1 && box.y1 < ext.y2;
          var clash = onScreen && placed.some(function (p) {
            return box.x1 < p.x2 && box.x2 > p.x1 && box.y1 < p.y2 && box.y2 > p.y1;
          });
          node.toggleClass("label-hidden", clash);
          if (onScreen && !clash) placed.push(box);
        });
    });
  }

  function download(blob, name) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function escapeXml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" }[c];
    });
  }

  // An SVG of the drawing as it stands (positions, sizes, colours, the labels shown), written
  // here rather than by the GPL-licensed cytoscape-svg package.
  function toSvg(cy) {
    var zoom = cy.zoom();
    var font = LABEL_PX / zoom;
    var bb = cy.elements().boundingBox({ includeLabels: true });
    var pad = 10;
    var parts = [
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="' + [bb.x1 - pad, bb.y1 - pad, bb.w + 2 * pad, bb.h + 2 * pad].join(" ") +
        '" width="' + Math.round((bb.w + 2 * pad) * zoom) + '" height="' + Math.round((bb.h + 2 * pad) * zoom) + '">',
      "<title>ExoResist: cargo molecules and drugs linked by accepted evidence</title>",
      '<rect x="' + (bb.x1 - pad) + '" y="' + (bb.y1 - pad) + '" width="' + (bb.w + 2 * pad) + '" height="' + (bb.h + 2 * pad) + '" fill="#ffffff"/>',
      '<g stroke-linecap="round" stroke-opacity="0.6">'
    ];
    cy.edges().forEach(function (edge) {
      var a = edge.source().position(), b = edge.target().position();
      parts.push('<line x1="' + a.x + '" y1="' + a.y + '" x2="' + b.x + '" y2="' + b.y + '" stroke="' + edge.data("colour") +
        '" stroke-width="' + edge.data("width") + '"><title>' + escapeXml(edge.data("title") + ": " + plural(edge.data("count"), "evidence item")) + "</title></line>");
    });
    parts.push('</g><g stroke="#ffffff" stroke-width="1.5">');
    cy.nodes().forEach(function (node) {
      var p = node.position(), r = node.data("size") / 2;
      var fill = node.style("background-color");
      var title = "<title>" + escapeXml(node.data("label") + ": " + plural(node.data("count"), "evidence item")) + "</title>";
      if (node.data("kind") === "drug") {
        parts.push('<rect x="' + (p.x - r) + '" y="' + (p.y - r) + '" width="' + 2 * r + '" height="' + 2 * r + '" rx="' + r / 4 + '" fill="' + fill + '">' + title + "</rect>");
      } else {
        parts.push('<circle cx="' + p.x + '" cy="' + p.y + '" r="' + r + '" fill="' + fill + '">' + title + "</circle>");
      }
    });
    parts.push('</g><g font-family="system-ui, sans-serif" font-size="' + font + '" text-anchor="middle" fill="#1d2330" stroke="#ffffff" stroke-width="' +
      OUTLINE_PX / zoom + '" paint-order="stroke">');
    cy.nodes().not(".label-hidden").forEach(function (node) {
      var p = node.position(), r = node.data("size") / 2;
      parts.push('<text x="' + p.x + '" y="' + (p.y + r + 2 / zoom + font) + '">' + escapeXml(node.data("label")) + "</text>");
    });
    parts.push("</g></svg>");
    return parts.join("\n");
  }

  function describeEdge(edge) {
    var effects = edge.data("effects");
    var parts = Object.keys(effects).sort(function (a, b) { return effects[b] - effects[a]; }).map(function (key) {
      return effects[key] + " " + (EFFECTS[key] ? EFFECTS[key].label : key.replace(/_/g, " "));
    });
    return edge.data("title") + ": " + plural(edge.data("count"), "evidence item") + (parts.length ? " (" + parts.join(", ") + ")" : "") + ". ";
  }

  function draw(container, data) {
    var figure = container.closest("figure");
    container.textContent = "";
    if (!data.nodes.length) {
      var p = document.createElement("p");
      p.className = "network-status muted";
      p.textContent = "No cargo molecule and drug are linked by accepted evidence here yet.";
      container.appendChild(p);
      return;
    }
    // Cytoscape adds an inline <style> (position: relative for its container) unless an element
    // with this id exists; the Content-Security-Policy forbids inline styles and site.css already
    // positions .network, so say that it is there.
    if (!document.getElementById("__________cytoscape_stylesheet")) {
      var mark = document.createElement("meta");
      mark.id = "__________cytoscape_stylesheet";
      document.head.appendChild(mark);
    }
    var wheel = container.hasAttribute("data-network-wheel");
    var cy = cytoscape({
      container: container,
      elements: elements(data),
      style: stylesheet(),
      minZoom: 0.1, maxZoom: 6,
      // On the full network page the wheel zooms; in a page's small figure it scrolls the page.
      userZoomingEnabled: wheel, boxSelectionEnabled: false
    });
    cy.hasFcose = typeof cytoscape("layout", "fcose") === "function";
    layout(cy);
    cy.fit(undefined, 24);
    relabel(cy);

    var pending = false;
    cy.on("zoom pan", function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; relabel(cy); });
    });
    cy.on("dragfree", "node", function () { relabel(cy); });
    cy.on("mouseover", "node, edge", function (event) {
      event.target.addClass("hover");
      container.classList.add("pointing");
      if (event.target.isNode()) {
        cy.elements().not(event.target.closedNeighborhood()).addClass("faded");
        event.target.neighborhood("node").addClass("hover");
      }
    });
    cy.on("mouseout", "node, edge", function () {
      cy.elements().removeClass("hover faded");
      container.classList.remove("pointing");
    });
    var detail = figure.querySelector("[data-network-detail]");
    cy.on("tap", "node", function (event) {
      window.location.assign(event.target.data("url"));
    });
    cy.on("tap", "edge", function (event) {
      var edge = event.target;
      // No url: the page's own cargo or drug filter and this line's pair are not one list.
      if (!detail) { if (edge.data("url")) { window.location.assign(edge.data("url")); } return; }
      detail.textContent = describeEdge(edge);
      if (edge.data("url")) {
        var a = document.createElement("a");
        a.href = edge.data("url");
        a.textContent = "List the " + plural(edge.data("count"), "evidence item");
        detail.appendChild(a);
      }
      detail.hidden = false;
    });

    var toolbar = figure.querySelector("[data-network-toolbar]");
    if (toolbar) {
      toolbar.hidden = false;
      toolbar.addEventListener("click", function (event) {
        var button = event.target.closest("[data-network-action]");
        if (!button) return;
        var action = button.getAttribute("data-network-action");
        var centre = { x: cy.width() / 2, y: cy.height() / 2 };
        if (action === "zoom-in") cy.zoom({ level: cy.zoom() * 1.4, renderedPosition: centre });
        if (action === "zoom-out") cy.zoom({ level: cy.zoom() / 1.4, renderedPosition: centre });
        if (action === "fit") cy.fit(undefined, 24);
        if (action === "png") download(cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" }), "exoresist-network.png");
        if (action === "svg") download(new Blob([toSvg(cy)], { type: "image/svg+xml" }), "exoresist-network.svg");
      });
    }
    // The tables repeat the drawing; with the drawing there, they start folded.
    var tables = figure.querySelector("[data-network-tables]");
    if (tables) tables.open = false;
    container.setAttribute("data-rendered", "true");
    graphs.push(cy);
  }

  function load(container) {
    fetch(container.getAttribute("data-network"), { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { draw(container, data); })
      .catch(function (error) {
        container.textContent = "";
        var p = document.createElement("p");
        p.className = "network-status";
        p.textContent = "The network could not be drawn; the table below lists its links.";
        container.appendChild(p);
        if (window.console) console.error(error);
      });
  }

  // For the browser tests and the curious: the Cytoscape instances of the page.
  window.ExoResistNetwork = { graphs: graphs, toSvg: toSvg };
  document.addEventListener("DOMContentLoaded", function () {
    if (typeof cytoscape !== "function") return;
    document.querySelectorAll("[data-network]").forEach(load);
  });
})();
