// Renkei console: the only script. It asks before destructive actions
// (forms marked data-confirm) and selects one-time secrets on click so they
// can be copied. Everything works without it.
"use strict";
document.addEventListener("submit", function (ev) {
  var msg = ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); }
});
document.addEventListener("click", function (ev) {
  var el = ev.target.closest ? ev.target.closest(".select") : null;
  if (!el) { return; }
  var range = document.createRange();
  range.selectNodeContents(el);
  var sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
});
