/* Request page: formset rows without reloads (levels, the patient's injection
   history, care, imaging, diagnoses), prior counts from history, percent relief
   from the pain scores of an injection. The patient is fixed (data-patient on the form);
   an empty payer defaults to the patient's on save.
   Plain JS, no dependencies (CSP: script-src 'self'). */
(function () {
  "use strict";

  var form = document.getElementById("request-form");
  if (!form) { return; }

  function totalInput(prefix) {
    return form.querySelector("#id_" + prefix + "-TOTAL_FORMS");
  }

  function visibleRows(prefix) {
    var body = form.querySelector('[data-formset-body="' + prefix + '"]');
    return Array.prototype.filter.call(body.querySelectorAll("[data-formset-row]"), function (row) {
      return !row.classList.contains("d-none");
    });
  }

  function updateEmptyNote(prefix) {
    var note = form.querySelector('[data-formset-empty="' + prefix + '"]');
    if (note) { note.classList.toggle("d-none", visibleRows(prefix).length > 0); }
  }

  /* ---------------------------------------------------------------- add / remove rows */

  function addRow(prefix) {
    var template = document.getElementById("empty-" + prefix);
    var total = totalInput(prefix);
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var body = form.querySelector('[data-formset-body="' + prefix + '"]');
    /* A <template> parses table rows and the history's blocks alike. */
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var row = holder.content.firstElementChild;
    body.appendChild(row);
    total.value = String(index + 1);
    updateEmptyNote(prefix);
    var first = row.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea");
    if (first) { first.focus(); }
    return row;
  }

  function removeRow(row) {
    var section = row.closest("[data-formset]");
    var del = row.querySelector('input[type=checkbox][name$="-DELETE"]');
    if (del) { del.checked = true; }
    row.classList.add("d-none");
    var note = row.nextElementSibling;  /* a row's notice (e.g. confirm the outcome) */
    if (note && note.hasAttribute("data-formset-note")) { note.classList.add("d-none"); }
    var prefix = section.getAttribute("data-formset");
    updateEmptyNote(prefix);
    var add = section.querySelector("[data-formset-add]");
    if (add) { add.focus(); }
    if (prefix === "levels") { refreshPriorCounts(); }
  }

  form.addEventListener("click", function (event) {
    var add = event.target.closest("[data-formset-add]");
    if (add) {
      event.preventDefault();
      addRow(add.getAttribute("data-formset-add"));
      return;
    }
    var remove = event.target.closest("[data-formset-remove]");
    if (remove) {
      event.preventDefault();
      removeRow(remove.closest("[data-formset-row]"));
    }
  });

  ["levels", "history", "conservative_care", "imaging", "diagnoses"].forEach(function (prefix) {
    if (totalInput(prefix)) { updateEmptyNote(prefix); }
  });

  /* ---------------------------------------------------------------- prior counts */

  var status = document.getElementById("prior-count-status");
  var patientId = form.getAttribute("data-patient") || "";
  var procedureSelect = form.querySelector("#id_procedure_type");
  var pending = null;

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function levelRows() {
    return visibleRows("levels").map(function (row) {
      return {
        level: row.querySelector("[data-level]"),
        count: row.querySelector("[data-prior-count]")
      };
    }).filter(function (r) { return r.level && r.count; });
  }

  function refreshPriorCounts() {
    if (!patientId || !procedureSelect || !procedureSelect.value) { return; }
    var rows = levelRows().filter(function (r) {
      /* Only fill empty counts, or counts this script filled before. */
      return r.level.value.trim() && (r.count.value === "" || r.count.hasAttribute("data-autofilled"));
    });
    if (!rows.length) { return; }
    var body = new URLSearchParams();
    body.append("patient", patientId);
    body.append("procedure_type", procedureSelect.value);
    var dos = form.querySelector("#id_date_of_service");
    if (dos && dos.value) { body.append("date_of_service", dos.value); }
    rows.forEach(function (r) { body.append("levels", r.level.value.trim()); });
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(form.getAttribute("data-prior-counts-url"), {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin",
      signal: pending.signal
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data) { return; }
      if (!data.has_history) {
        if (status) { status.textContent = "No recorded procedure history for this patient: enter prior counts by hand."; }
        return;
      }
      var filled = 0;
      rows.forEach(function (r) {
        var count = data.counts[r.level.value.trim()];
        if (count !== undefined && count !== null) {
          r.count.value = String(count);
          r.count.setAttribute("data-autofilled", "");
          r.count.title = "Filled from the patient's recorded history";
          filled += 1;
        }
      });
      if (status) { status.textContent = filled ? "Prior counts filled from the patient's history (" + filled + " level" + (filled === 1 ? "" : "s") + ")." : ""; }
    }).catch(function () { /* aborted or offline: counts are filled on save */ });
  }

  /* A count filled in here is a preview from the saved history: on save the server
     fills empty counts from the history again, injections added on this page
     included, so a preview is not sent back as if typed. */
  form.addEventListener("submit", function () {
    levelRows().forEach(function (r) {
      if (r.count.hasAttribute("data-autofilled")) { r.count.value = ""; }
    });
  });
  refreshPriorCounts();  /* a page shown again after a refused save */

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target === procedureSelect || target.id === "id_date_of_service" ||
        target.hasAttribute("data-level")) {
      refreshPriorCounts();
    }
    if (target.hasAttribute("data-prior-count")) {
      target.removeAttribute("data-autofilled");  /* typed by the user: keep it */
    }
  });

  /* ---------------------------------------------------------------- percent relief */

  function parseScore(value) {
    var text = (value || "").trim();
    if (!/^\d+(\.\d+)?$/.test(text)) { return null; }
    var n = parseFloat(text);
    return n >= 0 && n <= 10 ? n : null;
  }

  function updateRelief(row) {
    var pre = row.querySelector("[data-pre-score]");
    var post = row.querySelector("[data-post-score]");
    var relief = row.querySelector("[data-relief]");
    if (!pre || !post || !relief) { return; }
    if (relief.value !== "" && !relief.hasAttribute("data-autofilled")) { return; }  /* typed: keep */
    var a = parseScore(pre.value);
    var b = parseScore(post.value);
    if (a === null || b === null || a <= 0) {
      if (relief.hasAttribute("data-autofilled")) { relief.value = ""; }
      return;
    }
    relief.value = String(Math.round((a - b) / a * 1000) / 10);
    relief.setAttribute("data-autofilled", "");
    relief.title = "Computed from the pre and post scores";
  }

  form.addEventListener("input", function (event) {
    var target = event.target;
    if (target.hasAttribute("data-pre-score") || target.hasAttribute("data-post-score")) {
      updateRelief(target.closest("[data-formset-row]"));
    } else if (target.hasAttribute("data-relief")) {
      target.removeAttribute("data-autofilled");
    }
  });

  /* ---------------------------------------------------------------- fields that fit */

  /* Fields that concern only some procedures carry data-show-for (procedure types)
     and data-show-intent (intents; "none" = not chosen yet); the sedation reason shows
     only with sedation. Hidden fields stay in the form with their values (switching
     back loses nothing); a field with an error is never hidden. Without JavaScript
     every field shows. */
  var intentSelect = form.querySelector("#id_intent");
  var sedationSelect = form.querySelector("#id_sedation");
  var intentsByType = {};
  try { intentsByType = JSON.parse(intentSelect.getAttribute("data-intents") || "{}"); } catch (e) { intentsByType = {}; }

  function hasError(el) { return !!el.querySelector(".is-invalid, .invalid-feedback"); }

  function listHas(attr, value) { return (attr || "").split(" ").indexOf(value) !== -1; }

  function fitIntentChoices() {
    if (!intentSelect || !procedureSelect) { return; }
    var allowed = intentsByType[procedureSelect.value];
    Array.prototype.forEach.call(intentSelect.options, function (option) {
      var fits = !allowed || option.value === "" || allowed.indexOf(option.value) !== -1;
      option.hidden = !fits;
      option.disabled = !fits;
    });
    if (allowed && intentSelect.value && allowed.indexOf(intentSelect.value) === -1) { intentSelect.value = ""; }
    if (allowed && allowed.length === 1 && !intentSelect.value) { intentSelect.value = allowed[0]; }
  }

  function fitFields() {
    var ptype = procedureSelect ? procedureSelect.value : "";
    var intent = intentSelect ? (intentSelect.value || "none") : "none";
    Array.prototype.forEach.call(form.querySelectorAll("[data-show-for]"), function (el) {
      var show = !ptype || (listHas(el.getAttribute("data-show-for"), ptype) &&
        (!el.hasAttribute("data-show-intent") || listHas(el.getAttribute("data-show-intent"), intent)));
      el.classList.toggle("d-none", !show && !hasError(el));
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-show-unless-sedation]"), function (el) {
      var none = !sedationSelect || sedationSelect.value === el.getAttribute("data-show-unless-sedation");
      el.classList.toggle("d-none", none && !hasError(el));
    });
  }

  fitIntentChoices();
  fitFields();
  form.addEventListener("change", function (event) {
    if (event.target === procedureSelect) { fitIntentChoices(); }
    if (event.target === procedureSelect || event.target === intentSelect || event.target === sedationSelect) { fitFields(); }
  });

  /* ---------------------------------------------------------------- re-check, send */

  /* Findings and the route banner are re-checked as you type (htmx: hx-post on the
     form, debounced; rows added or removed by this script ask for it with "recheck").
     Once the request differs from what was saved, "Send for signature" waits for a
     save, so the physician signs what was typed. */
  var sendButton = document.getElementById("send-button");
  var sendNote = document.getElementById("send-unsaved");
  function markDirty() {
    if (sendButton && !sendButton.disabled) {
      sendButton.disabled = true;
      if (sendNote) { sendNote.classList.remove("d-none"); }
    }
  }
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  function askRecheck() {
    markDirty();
    form.dispatchEvent(new CustomEvent("recheck"));
  }
  form.addEventListener("click", function (event) {
    if (event.target.closest("[data-formset-add], [data-formset-remove]")) { window.setTimeout(askRecheck, 0); }
  });

  /* ---------------------------------------------------------------- finding links */

  /* A finding's "Fix" link names an input id (or a section). Scrolling there is not
     enough for keyboard users: move the focus to the input too, so typing starts there. */
  function focusFieldFor(hash) {
    if (!hash || hash.charAt(0) !== "#" || hash.length < 2) { return; }
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    if (!target) { return; }
    if (target.getAttribute("tabindex") === "-1") {  /* e.g. the route banner after a save */
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "start" });
      return;
    }
    var hidden = target.closest(".d-none[data-show-for], .d-none[data-show-unless-sedation]");
    if (hidden) { hidden.classList.remove("d-none"); }
    var control = target.matches("input, select, textarea") ? target :
      target.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea, button");
    if (!control) { return; }
    control.focus({ preventScroll: true });
    control.scrollIntoView({ block: "center" });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.finding-fix, a.error-summary-link, a.route-fix");
    if (!link) { return; }
    var hash = link.getAttribute("href") || "";
    if (hash.charAt(0) === "#") { window.setTimeout(function () { focusFieldFor(hash); }, 0); }
  });
  /* A new request shown again (a refused save): check what was typed once htmx is up. */
  if (!form.querySelector("input[name=request]") && procedureSelect && procedureSelect.value) {
    window.addEventListener("load", function () { form.dispatchEvent(new CustomEvent("recheck")); });
  }

  /* After a refused save the error summary at the top takes the focus. */
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.scrollIntoView({ block: "start" });
  } else {
    focusFieldFor(window.location.hash);  /* a "Fix" link, a copy, or a save */
  }
}());
