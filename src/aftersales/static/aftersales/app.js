// aftersales: behaviour without inline scripts (the CSP forbids them).
document.addEventListener("click", function (event) {
  // <button data-confirm="…"> asks before submitting.
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  // <select data-autosubmit> submits its form (filter bars).
  if (event.target.matches("[data-autosubmit]")) {
    event.target.form.requestSubmit();
  }
});
