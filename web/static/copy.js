// Copy buttons of the assisted-entry form: <button data-copy="#field-id"> copies that element's text (or a
// field's value) to the clipboard, and says so on the button for a moment. Loaded by _incident_entry.html.
"use strict";
(function () {
  function textOf(element) {
    return "value" in element && typeof element.value === "string" ? element.value : element.textContent;
  }

  function copyBySelection(element) {
    // without the Clipboard API (plain http on another machine): select the text and copy it
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = document.execCommand("copy");
    selection.removeAllRanges();
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(element) {
    var text = textOf(element);
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyBySelection(element); });
    }
    return copyBySelection(element);
  }

  function say(button, words) {
    var before = button.dataset.label || button.textContent;
    button.dataset.label = before;
    button.textContent = words;
    window.setTimeout(function () { button.textContent = before; }, 1500);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) {
      return;
    }
    var element = document.querySelector(button.dataset.copy);
    if (!element) {
      return;
    }
    copy(element).then(
      function () { say(button, "Tersalin"); },
      function () { say(button, "Gagal menyalin: pilih teksnya lalu Ctrl+C"); }
    );
  });
})();
