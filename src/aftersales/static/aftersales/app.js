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

// Signature pads: <canvas data-signature-for="id-of-hidden-input">. Strokes are drawn with
// pointer events (finger, pen or mouse); on submit the drawing goes into the hidden input
// as a PNG data URL. An untouched pad sends nothing.
document.querySelectorAll("canvas[data-signature-for]").forEach(function (canvas) {
  const ctx = canvas.getContext("2d");
  const input = document.getElementById(canvas.dataset.signatureFor);
  let drawing = false;
  let touched = false;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 3;
  ctx.lineCap = "round";
  ctx.strokeStyle = "#000";
  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [
      (event.clientX - box.left) * (canvas.width / box.width),
      (event.clientY - box.top) * (canvas.height / box.height),
    ];
  }
  canvas.addEventListener("pointerdown", function (event) {
    drawing = true;
    touched = true;
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = point(event);
    ctx.beginPath();
    ctx.moveTo(x, y);
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) return;
    const [x, y] = point(event);
    ctx.lineTo(x, y);
    ctx.stroke();
    event.preventDefault();
  });
  ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  const clear = document.querySelector('[data-signature-clear="' + canvas.id + '"]');
  if (clear) {
    clear.addEventListener("click", function () {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      touched = false;
      if (input) input.value = "";
    });
  }
  canvas.closest("form").addEventListener("submit", function () {
    if (input && touched) input.value = canvas.toDataURL("image/png");
  });
});

// <button data-print> prints the page (the QR label).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
