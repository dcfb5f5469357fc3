// Small progressive enhancements on top of htmx; the pages work without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function showError(text) {
    var box = document.getElementById("messages");
    if (!box) { return; }
    var message = document.createElement("p");
    message.className = "flash flash-error";
    message.setAttribute("role", "alert");
    message.textContent = text;
    box.replaceChildren(message);
  }

  // A failed htmx request (4xx/5xx that is not swapped) must not fail silently.
  document.addEventListener("htmx:responseError", function (event) {
    var text = "Er ging iets mis (" + event.detail.xhr.status + "). Laad de pagina opnieuw en probeer het nog eens.";
    var match = /<p>([^<]+)<\/p>/.exec(event.detail.xhr.responseText || "");
    showError(match ? match[1] : text);
  });

  document.addEventListener("htmx:sendError", function () {
    showError("Geen verbinding met Casusplein. Je invoer staat nog in het formulier; probeer het zo opnieuw.");
  });

  // Move keyboard focus to something that cannot take it by itself (a heading, a new comment).
  function focusOn(element) {
    if (!element) { return false; }
    if (!element.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(element.tagName)) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return true;
  }

  // The menu: a <details> that folds on a phone; on a wide screen it is always open.
  var wide = window.matchMedia("(min-width: 48em)");
  function syncMenu() {
    var menu = document.querySelector(".site-menu");
    if (menu && wide.matches) { menu.open = true; }
  }
  wide.addEventListener("change", syncMenu);
  window.addEventListener("resize", function () { scrollableTables(document); });
  document.addEventListener("keydown", function (event) {
    var menu = document.querySelector(".site-menu[open]");
    if (event.key === "Escape" && menu && !wide.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });

  // A table wider than a phone scrolls in its own box; a keyboard user must be able to reach it.
  function scrollableTables(root) {
    root.querySelectorAll("main table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1 && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.classList.add("scrolls");
      }
    });
  }

  // Stacked table rows on a phone name each cell by its column.
  function labelTableCells(root) {
    root.querySelectorAll("main table.data-table").forEach(function (table) {
      var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        // A column named only for screen readers (e.g. "Acties") needs no visible label.
        var hidden = th.querySelector(".visually-hidden");
        return hidden && hidden.textContent.trim() === th.textContent.trim() ? "" : th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          var name = names[index];
          if (name && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", /[?:]$/.test(name) ? name : name + ":");
          }
        });
      });
    });
  }

  // The error summary of a form that came back with errors takes focus, so a screen reader
  // reads what went wrong and each error links to its field.
  function focusErrorSummary(root) {
    var summary = root.querySelector(".form-summary[data-focus]");
    if (summary) { focusOn(summary); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncMenu();
    labelTableCells(document);
    scrollableTables(document);
    focusErrorSummary(document);
  });

  // Announce an in-place update after a write (a GET swap, like live filtering, announces its
  // own result count), naming the updated section by its heading.
  function announce(target, verb) {
    var announcer = document.getElementById("announcer");
    if (!announcer || verb === "get") { return; }
    var heading = target.querySelector("h2, h3");
    var invalid = target.querySelector("[aria-invalid='true']");
    announcer.textContent = invalid ? "Het formulier bevat een fout." :
      "Bijgewerkt" + (heading ? ": " + heading.textContent.trim() : ".");
  }

  // Confirmation pages (deliberate actions) open in a dialog: links to them carry
  // hx-target="#confirm-dialog", and the page's own form then posts as without JavaScript.
  var dialog = document.createElement("dialog");
  dialog.id = "confirm-dialog";
  dialog.className = "confirm-dialog";
  dialog.setAttribute("aria-labelledby", "confirm-title");
  document.body.appendChild(dialog);

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target !== dialog) { return; }
    if (!dialog.open) { dialog.showModal(); }
    var first = dialog.querySelector("textarea, button[type='submit']");
    if (first) { first.focus(); }
  });

  dialog.addEventListener("click", function (event) {
    var close = event.target.closest("[data-dialog-close]");
    if (close) { event.preventDefault(); dialog.close(); }
  });

  dialog.addEventListener("close", function () { dialog.replaceChildren(); });

  // The action was carried out and its answer landed in the page: the dialog is done.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (dialog.open && dialog.contains(event.detail.elt) && event.detail.successful &&
        event.detail.target !== dialog) {
      dialog.close();
    }
  });

  // Comments and reflections present before a write, so the new one can be found afterwards.
  var ITEMS = "article.comment[id], article.reflection[id]";
  var itemsBefore = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    itemsBefore = null;
    if (target && event.detail.requestConfig && event.detail.requestConfig.verb !== "get") {
      itemsBefore = {};
      target.querySelectorAll(ITEMS).forEach(function (item) { itemsBefore[item.id] = true; });
    }
  });

  // After an in-place update has settled (htmx copies classes over only then), move keyboard
  // focus to what changed: the first error, the new comment or reflection, the editor, or the
  // heading of updated results. An outerHTML swap detaches the old target, so look the new one
  // up by its stable id.
  document.addEventListener("htmx:afterSettle", function (event) {
    var oldTarget = event.detail.target;
    var target = oldTarget && oldTarget.isConnected ? oldTarget : (oldTarget && oldTarget.id ? document.getElementById(oldTarget.id) : null);
    if (!target) { return; }
    var config = event.detail.requestConfig;
    var verb = config && config.verb ? config.verb.toLowerCase() : "get";
    announce(target, verb);
    labelTableCells(target);
    scrollableTables(target);
    var invalid = target.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); return; }
    if (target.classList.contains("comment-editing") || target.classList.contains("reflection-editing")) {
      var editor = target.querySelector("textarea");
      if (editor) { editor.focus(); }
      return;
    }
    if (verb !== "get" && itemsBefore) {
      var items = target.matches(ITEMS) ? [target] : Array.prototype.slice.call(target.querySelectorAll(ITEMS));
      var fresh = items.filter(function (item) { return !itemsBefore[item.id]; });
      itemsBefore = null;
      if (focusOn(fresh[0] || (target.matches(ITEMS) ? target : null))) { return; }
    }
    if (verb === "get") {
      // "Annuleren" on an edit form: back to the comment or reflection itself.
      if (target.matches(ITEMS)) { focusOn(target); return; }
      // A filter, search, sort or page asked for on purpose lands on the heading that states
      // the new results; live updates while typing or choosing leave the focus where it is.
      var trigger = config && config.triggeringEvent ? config.triggeringEvent.type : "";
      if (/^(submit|click|search)$/.test(trigger)) {
        focusOn(target.querySelector("[data-results-heading]") || target.querySelector(".results-count") || target.querySelector("h2"));
      }
    }
  });
})();
