// Parts pages: serial-number inputs filled by a hand scanner (PRT-2). A scanner types the
// code and presses Enter; Enter moves to the next serial input of the same form instead of
// submitting it half-filled. Enter in the last one submits as usual.
document.addEventListener("keydown", function (event) {
  const input = event.target;
  if (event.key !== "Enter" || !input.matches || !input.matches("input[data-scan]")) return;
  const inputs = Array.from(input.form.querySelectorAll("input[data-scan]"));
  const next = inputs[inputs.indexOf(input) + 1];
  if (next) {
    event.preventDefault();
    next.focus();
    next.select();
  }
});
