// The sign page: show that signing is under way (rendering and signing take a few
// seconds) and keep a second click from sending the form twice.
(function () {
  "use strict";
  var form = document.querySelector("form.sign-form");
  if (!form) {
    return;
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
  });
})();
