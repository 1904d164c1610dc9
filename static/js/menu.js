// Disclosure buttons (aria-expanded + aria-controls): the header's menu on a narrow screen and the
// chat's room list. CSS shows what a button controls while aria-expanded is "true"; without this
// script css/nojs.css keeps the menu open, and the room list is a plain list.
// Escape closes an open one and gives the focus back to its button.

function setup(button) {
  var target = document.getElementById(button.getAttribute("aria-controls"));
  if (!target) { return; }
  button.hidden = false;

  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });

  function closeOnEscape(event) {
    if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") { return; }
    // Only when the button is shown (a wide screen has no button, everything is open there).
    if (!button.offsetParent && getComputedStyle(button).position !== "fixed") { return; }
    set(false);
    button.focus();
  }
  button.addEventListener("keydown", closeOnEscape);
  target.addEventListener("keydown", closeOnEscape);
}

document.querySelectorAll("button[data-disclosure][aria-controls]").forEach(setup);
