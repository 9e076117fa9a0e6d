// ExoResist: typeahead suggestions and copy buttons. No inline handlers (CSP-friendly).
(function () {
  "use strict";

  // --- Typeahead: any form[data-typeahead] with a combobox input and a listbox ---
  function setupTypeahead(form) {
    var input = form.querySelector("input[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    if (!input || !list) return;
    var endpoint = form.getAttribute("data-typeahead");
    var timer = null;
    var active = -1;
    var lastQuery = "";

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function render(results) {
      list.textContent = "";
      active = -1;
      if (!results.length) { close(); return; }
      results.forEach(function (item, i) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = item.url;
        a.id = list.id + "-" + i;
        a.setAttribute("role", "option");
        a.setAttribute("tabindex", "-1");
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = item.label;
        a.appendChild(kind);
        a.appendChild(document.createTextNode(item.name));
        if (item.via) {
          var via = document.createElement("span");
          via.className = "via";
          via.textContent = " (" + item.via + ")";
          a.appendChild(via);
        }
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function move(delta) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      if (active >= 0) options[active].setAttribute("aria-selected", "false");
      active = (active + delta + options.length) % options.length;
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    input.addEventListener("input", function () {
      var q = input.value.trim();
      clearTimeout(timer);
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        lastQuery = q;
        fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) { if (lastQuery === q) render(data.results || []); })
          .catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = list.querySelectorAll("[role=option]")[active].href;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 200); });
  }

  // --- Copy buttons: button.copy-button[data-copy-target=<id>] ---
  function setupCopy(button) {
    var status = button.parentNode.querySelector(".copy-status");
    button.addEventListener("click", function () {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target) return;
      var text = target.textContent;
      function done(ok) {
        button.classList.toggle("copied", ok);
        button.setAttribute("data-copied", ok ? "true" : "false");
        button.textContent = ok ? "Copied" : "Copy BibTeX";
        if (status) status.textContent = ok ? "BibTeX copied to the clipboard." : "Select the text and copy it by hand.";
        if (ok) setTimeout(function () { button.textContent = "Copy BibTeX"; button.classList.remove("copied"); }, 4000);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback(target)); });
      } else {
        done(fallback(target));
      }
    });
  }

  function fallback(target) {
    // Outside a secure context the Clipboard API is missing: select and use execCommand.
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-typeahead]").forEach(setupTypeahead);
    document.querySelectorAll("button.copy-button").forEach(setupCopy);
  });
})();
