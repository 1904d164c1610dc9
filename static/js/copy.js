/* Copy buttons: <button data-copy-from="<id of a field>" data-copied="…" data-copy-failed="…" hidden>.
 *
 * The button stays hidden without JavaScript (the field is still there to
 * select and copy). The result is said in the status element next to the
 * button (role="status"), so screen readers announce it.
 */
function statusFor(button) {
  var row = button.parentElement;
  return row ? row.querySelector("[role=status]") : null;
}

function copy(text, field) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  // Plain http (make run on another machine's address): the selection is copied instead.
  field.select();
  return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
}

document.querySelectorAll("button[data-copy-from]").forEach(function (button) {
  var field = document.getElementById(button.dataset.copyFrom);
  if (!field) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var status = statusFor(button);
    copy(field.value, field).then(function () {
      if (status) { status.textContent = button.dataset.copied; }
    }, function () {
      field.select();
      if (status) { status.textContent = button.dataset.copyFailed; }
    });
  });
});
