/* Netra: small enhancements on top of pages that work without JavaScript.
   Upload forms ([data-upload]) accept a dropped file and send it with XMLHttpRequest so a progress bar
   can show the upload; without JavaScript the same form posts normally. */
(function () {
  "use strict";

  function showName(zone, input) {
    var out = zone.querySelector("[data-file-name]");
    if (out) {
      out.textContent = input.files && input.files.length ? "Dipilih: " + input.files[0].name : "";
    }
  }

  function setupDropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    input.addEventListener("change", function () { showName(zone, input); });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.remove("dragover");
      });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showName(zone, input);
      }
    });
  }

  function setupUpload(form) {
    form.addEventListener("submit", function (event) {
      if (!window.XMLHttpRequest || !window.FormData) { return; }
      event.preventDefault();
      var block = form.querySelector("[data-upload-progress]");
      var bar = block ? block.querySelector("progress") : null;
      var percent = block ? block.querySelector("[data-upload-percent]") : null;
      var button = form.querySelector("button[type=submit]");
      if (block) { block.hidden = false; }
      if (button) { button.disabled = true; }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable || !bar) { return; }
        var value = Math.round((e.loaded / e.total) * 100);
        bar.value = value;
        bar.textContent = value + "%";
        if (percent) {
          percent.textContent = value < 100 ? value + "% terkirim" : "Terkirim. Berkas sedang diperiksa…";
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL) {
          window.location.assign(xhr.responseURL);
          return;
        }
        // An error page (in Indonesian) replaces the form page, as it would without JavaScript.
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        if (button) { button.disabled = false; }
        if (percent) { percent.textContent = "Koneksi terputus saat mengunggah. Periksa jaringan lalu coba lagi."; }
      });
      xhr.send(new FormData(form));
    });
  }

  // A form sent after the session ended comes back filled in after login (the server kept its text
  // fields): the form with the same action whose hidden fields agree, e.g. the dismiss form, not confirm.
  function restorePendingForm() {
    var data = document.getElementById("pending-form");
    if (!data) { return; }
    var pending = JSON.parse(data.textContent);
    var fields = pending.fields || {};
    var forms = Array.prototype.filter.call(document.forms, function (form) {
      if (new URL(form.action, window.location.href).pathname !== pending.action) { return false; }
      return Array.prototype.every.call(form.querySelectorAll("input[type=hidden]"), function (input) {
        return input.name === "csrf_token" || !(input.name in fields) || fields[input.name] === input.value;
      });
    });
    if (!forms.length) { return; }
    var form = forms[0];
    Object.keys(fields).forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field || field.type === "hidden") { return; }
      if (field.type === "checkbox") { field.checked = true; return; }
      if (field.length && !field.tagName) {  // radio buttons
        Array.prototype.forEach.call(field, function (option) { option.checked = option.value === fields[name]; });
        return;
      }
      field.value = fields[name];
    });
    for (var node = form.parentNode; node; node = node.parentNode) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
    var first = form.querySelector("textarea, input:not([type=hidden]), select");
    if (first) { first.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    restorePendingForm();
    Array.prototype.forEach.call(document.querySelectorAll("[data-dropzone]"), setupDropzone);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), setupUpload);
    // No inline handlers: the pages' CSP allows scripts from our own files only.
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
