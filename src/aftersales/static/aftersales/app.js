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

// Check-in position (SVC-3): <form data-geolocate> with hidden latitude / longitude inputs.
// The phone is asked only when the button is pressed; without an answer within a few
// seconds (refused, no GPS, plain http) the form is sent without a position.
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (!form.matches("form[data-geolocate]") || form.dataset.located) return;
  if (!navigator.geolocation) return;
  event.preventDefault();
  const submitter = event.submitter;
  let sent = false;
  function send() {
    if (sent) return;
    sent = true;
    form.dataset.located = "1";
    form.requestSubmit(submitter || undefined);
  }
  // The permission prompt may stay unanswered: the timeout below does not run meanwhile.
  window.setTimeout(send, 15000);
  navigator.geolocation.getCurrentPosition(
    function (position) {
      form.querySelector('[name="latitude"]').value = position.coords.latitude.toFixed(6);
      form.querySelector('[name="longitude"]').value = position.coords.longitude.toFixed(6);
      send();
    },
    send,
    { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
  );
});
