// The sign page: show that signing is under way (rendering, checking and signing
// take a few seconds), say which step it is at, and keep a second click from
// sending the form twice.
(function () {
  "use strict";
  var form = document.querySelector("form.sign-form");
  if (!form) {
    return;
  }
  var status = form.querySelector(".sign-status");
  var bar = form.querySelector(".sign-progress .progress");
  var steps = [
    "Checking your password…",
    "Rendering the packet you reviewed…",
    "Applying your digital signature…",
    "Storing the signed packet…"
  ];
  var timers = [];
  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || !button.classList.contains("sign-button")) {
      return;
    }
    if (form.dataset.busy === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.busy = "1";
    form.setAttribute("aria-busy", "true");
    // A disabled submit button is not sent: carry its action in a hidden input.
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = button.name;
    action.value = button.value;
    form.appendChild(action);
    button.disabled = true;
    button.textContent = button.dataset.busyLabel || "Signing…";
    say(steps[0] + " Please keep this page open.");
    steps.slice(1).forEach(function (text, i) {
      timers.push(window.setTimeout(function () {
        say(text + " Please keep this page open.");
        if (bar) {
          bar.setAttribute("aria-valuenow", String(Math.round(((i + 2) / steps.length) * 100)));
        }
      }, 1200 * (i + 1)));
    });
  });
  // Back from the next page (bfcache): the form is usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    timers.forEach(window.clearTimeout);
    timers = [];
    form.dataset.busy = "";
    form.removeAttribute("aria-busy");
    var button = form.querySelector(".sign-button");
    if (button) {
      button.disabled = false;
      button.textContent = "Sign";
    }
    say("");
  });
})();
