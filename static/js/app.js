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

  // After an in-place update, move keyboard focus to what changed, or to the first error.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.isConnected) { return; }
    var invalid = target.querySelector("[aria-invalid='true']");
    if (invalid) { invalid.focus(); return; }
    var editing = target.querySelector("textarea");
    if (target.classList.contains("comment-editing") || target.classList.contains("reflection-editing")) {
      if (editing) { editing.focus(); }
    }
  });
})();
