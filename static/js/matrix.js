// ExoResist matrix: a heat-map table of evidence counts (rows by mechanism columns),
// built from matrix.json. Colour comes from CSS classes (heat-0..heat-6), not inline styles.
(function () {
  "use strict";

  function heat(count, max) {
    if (!count) return "heat-0";
    return "heat-" + Math.min(6, 1 + Math.floor((5 * Math.log(1 + count)) / Math.log(1 + Math.max(max, 1))));
  }

  function draw(container, data) {
    container.textContent = "";
    if (!data.rows.length || !data.columns.length) {
      var p = document.createElement("p");
      p.className = "matrix-status muted";
      p.textContent = "No evidence with a mechanism yet.";
      container.appendChild(p);
      return;
    }
    var table = document.createElement("table");
    var caption = document.createElement("caption");
    caption.className = "visually-hidden";
    caption.textContent = "Evidence items by " + (data.rows_by === "drug" ? "drug" : "therapy class") + " and mechanism";
    table.appendChild(caption);
    var thead = document.createElement("thead");
    var head = document.createElement("tr");
    var corner = document.createElement("th");
    corner.scope = "col";
    corner.textContent = data.rows_by === "drug" ? "Drug" : "Therapy class";
    head.appendChild(corner);
    data.columns.forEach(function (col) {
      var th = document.createElement("th");
      th.scope = "col";
      th.className = "col";
      var a = document.createElement("a");
      a.href = col.url;
      a.textContent = col.label;
      th.appendChild(a);
      head.appendChild(th);
    });
    thead.appendChild(head);
    table.appendChild(thead);
    var tbody = document.createElement("tbody");
    data.rows.forEach(function (row, i) {
      var tr = document.createElement("tr");
      var th = document.createElement("th");
      th.scope = "row";
      var a = document.createElement("a");
      a.href = row.url;
      a.textContent = row.label;
      th.appendChild(a);
      tr.appendChild(th);
      data.cells[i].forEach(function (cell, j) {
        var td = document.createElement("td");
        td.className = heat(cell.count, data.max);
        var inner;
        if (cell.count) {
          inner = document.createElement("a");
          inner.href = cell.url;
          inner.setAttribute("aria-label", cell.count + " evidence items: " + row.label + ", " + data.columns[j].label);
        } else {
          inner = document.createElement("span");
        }
        inner.textContent = cell.count ? String(cell.count) : "·";
        td.appendChild(inner);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    container.appendChild(table);
    container.setAttribute("data-rendered", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-matrix]").forEach(function (container) {
      fetch(container.getAttribute("data-matrix"), { headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) { draw(container, data); })
        .catch(function () { container.textContent = "The matrix could not be loaded."; });
    });
  });
})();
