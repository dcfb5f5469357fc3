// Small progressive enhancements on top of htmx; the pages work without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // A failed htmx request (4xx/5xx that is not swapped) must not fail silently.
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("messages");
    if (!box) { return; }
    var text = "Er ging iets mis (" + event.detail.xhr.status + "). Laad de pagina opnieuw en probeer het nog eens.";
    var match = /<p>([^<]+)<\/p>/.exec(event.detail.xhr.responseText || "");
    if (match) { text = match[1]; }
    var message = document.createElement("p");
    message.className = "flash flash-error";
    message.setAttribute("role", "alert");
    message.textContent = text;
    box.replaceChildren(message);
  });

  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("messages");
    if (!box) { return; }
    var message = document.createElement("p");
    message.className = "flash flash-error";
    message.setAttribute("role", "alert");
    message.textContent = "Geen verbinding met Casusplein. Je invoer staat nog in het formulier; probeer het zo opnieuw.";
    box.replaceChildren(message);
  });

  // After an in-place update has settled (htmx copies classes over only then), move keyboard
  // focus to what changed, or to the first error.
  // An outerHTML swap detaches the old target, so look the new one up by its stable id.
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

  document.addEventListener("htmx:afterSettle", function (event) {
    var oldTarget = event.detail.target;
    var target = oldTarget && oldTarget.isConnected ? oldTarget : (oldTarget && oldTarget.id ? document.getElementById(oldTarget.id) : null);
    if (!target) { return; }
    var config = event.detail.requestConfig;
    announce(target, config && config.verb ? config.verb.toLowerCase() : "get");
    var invalid = target.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); return; }
    if (target.classList.contains("comment-editing") || target.classList.contains("reflection-editing")) {
      var editor = target.querySelector("textarea");
      if (editor) { editor.focus(); }
    }
  });
})();
