/* Ask before a form does something that cannot be undone.
 *
 * A form, or the button that submits it, carries data-confirm="<question>";
 * the browser's own confirm dialog asks it (as deleting a chat message does),
 * and "Cancel" stops the submission. Without JavaScript the form simply posts:
 * the action still works, only the question is missing.
 */
document.addEventListener("submit", function (event) {
  var submitter = event.submitter;
  var question = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
