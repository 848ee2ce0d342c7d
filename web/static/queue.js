// The review queue (web/templates/queue.html): keyboard shortcuts and bulk selection. No inline scripts (the
// CSP forbids them): rows carry data-report-id, and every action goes through the page's own bulk form, so
// the CSRF token and each row's version travel as they do for a click, and the server decides the same way.
//
// j / k: next / previous row (aria-current="true", focused, scrolled into view); Enter or o: open the report;
// x: tick the row; a: approve the ticked rows (or this one); r: reject them, choosing a reason; m: merge the
// ticked rows into this one; ?: the help; Escape closes the help or the reject choice. Off while typing.
"use strict";

(function () {
  const TYPING =
    "input:not([type=checkbox]):not([type=radio]):not([type=submit]):not([type=button]), " +
    "select, textarea, [contenteditable]";
  const INTERACTIVE = "a, button, summary, input, select, textarea";

  const rows = () => Array.from(document.querySelectorAll("tr[data-report-id]"));
  const current = () => document.querySelector('tr[data-report-id][aria-current="true"]');
  const bulkForm = () => document.getElementById("massal");
  const tickBox = (row) => (row ? row.querySelector('input[name="pilih"]') : null);
  const ticked = () => Array.from(document.querySelectorAll('input[name="pilih"]:checked'));

  function say(text) {
    const place = document.getElementById("pesan-pintasan");
    if (place) place.textContent = text;
  }

  function makeCurrent(row, focus = true) {
    const before = current();
    if (before) before.removeAttribute("aria-current");
    row.setAttribute("aria-current", "true");
    if (!focus) return;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    if (all.length === 0) return;
    const at = all.indexOf(current());
    const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    makeCurrent(all[next]);
  }

  function open() {
    const link = current() && current().querySelector("a[data-open]");
    if (link) window.location.assign(link.href);
  }

  function toggle() {
    const box = tickBox(current());
    if (box) box.checked = !box.checked;
  }

  // the rows an action is for: the ticked ones, or else the current row (ticked now)
  function chooseRows() {
    if (ticked().length > 0) return true;
    const box = tickBox(current());
    if (!box) {
      say("Pilih baris dulu: j / k untuk berpindah, x untuk mencentang.");
      return false;
    }
    box.checked = true;
    return true;
  }

  function submit(action) {
    const form = bulkForm();
    form.requestSubmit(form.querySelector(`button[name="tindakan"][value="${action}"]`));
  }

  function approve() {
    if (bulkForm() && chooseRows()) submit("setujui");
  }

  function reject() {
    const choice = document.querySelector("details[data-reject]");
    if (!choice || !chooseRows()) return;
    choice.open = true;
    choice.querySelector("select").focus();
  }

  function merge() {
    const row = current();
    const keep = document.querySelector("input[data-keep]");
    if (!bulkForm() || !keep) return;
    if (!row) {
      say("Pindah dulu ke laporan yang dipertahankan (j / k), lalu tekan m.");
      return;
    }
    const box = tickBox(row);
    if (ticked().filter((other) => other !== box).length === 0) {
      say("Centang laporan yang akan digabung (x), lalu tekan m di laporan yang dipertahankan.");
      return;
    }
    box.checked = true;
    keep.value = row.dataset.reportId;
    submit("gabung");
  }

  function help() {
    const dialog = document.getElementById("pintasan");
    if (dialog && !dialog.open) dialog.showModal();
  }

  function escape() {
    const choice = document.querySelector("details[data-reject][open]");
    if (!choice) return false;
    choice.open = false;
    const row = current();
    if (row) row.focus({ preventScroll: true });
    return true;
  }

  const KEYS = { j: () => move(1), k: () => move(-1), o: open, x: toggle, a: approve, r: reject, m: merge, "?": help };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (document.querySelector("dialog[open]")) return; // the help is open: Escape closes it natively
    if (event.key === "Escape") {
      if (escape()) event.preventDefault();
      return;
    }
    const target = event.target instanceof Element ? event.target : null;
    // Enter in the reject choice's fields rejects (Enter in the form otherwise does nothing)
    if (event.key === "Enter" && target && target.closest("details[data-reject]") && target.matches("input, select")) {
      event.preventDefault();
      submit("tolak");
      return;
    }
    if (target && target.closest(TYPING)) return;
    if (event.key === "Enter") {
      if (target && target.closest(INTERACTIVE)) return; // a link or button does what it does
      if (current()) {
        event.preventDefault();
        open();
      }
      return;
    }
    const action = KEYS[event.key];
    if (!action || !document.querySelector("table[data-queue]")) return;
    event.preventDefault();
    action();
  });

  // select-all on the page: ticks or clears every row of the table
  document.addEventListener("change", (event) => {
    const all = event.target instanceof Element && event.target.closest("input[data-select-all]");
    if (!all) return;
    for (const box of document.querySelectorAll('input[name="pilih"]')) box.checked = all.checked;
  });

  // a row clicked becomes the current row, so the keys continue from there
  document.addEventListener("click", (event) => {
    const row = event.target instanceof Element && event.target.closest("tr[data-report-id]");
    if (row) makeCurrent(row, !event.target.closest(INTERACTIVE));
  });
})();
