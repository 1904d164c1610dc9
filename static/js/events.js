/* Live seat counts on an event page: a read-only WebSocket (live.js), no inline script. */
import { connect } from "./live.js";
import { apiFetch } from "./api.js";

function main() {
  var section = document.querySelector("[data-event-seats]");
  if (!section || !("WebSocket" in window)) { return; }
  var path = section.getAttribute("data-ws-path");

  function show(seats) {
    var left = seats.capacity === null ? null : Math.max(seats.capacity - seats.confirmed_count, 0);
    var values = {
      confirmed_count: seats.confirmed_count,
      waitlist_count: seats.waitlist_count,
      capacity: seats.capacity,
      seats_left: left
    };
    Object.keys(values).forEach(function (name) {
      section.querySelectorAll('[data-seat="' + name + '"]').forEach(function (node) {
        var text = values[name] === null ? "" : String(values[name]);
        if (node.textContent !== text) { node.textContent = text; }
      });
    });
    // A full event offers the waiting list, a freed seat the signup again.
    var button = document.getElementById("signup-button");
    if (button) {
      var label = left === 0 ? button.dataset.labelWaitlist : button.dataset.labelSignup;
      if (label && button.textContent !== label) { button.textContent = label; }
    }
  }

  // Someone on the waiting list learns at once when they move up.
  function refreshOwnStatus() {
    var status = section.getAttribute("data-my-status");
    var url = section.getAttribute("data-api-url");
    if (status !== "waitlisted" || !url) { return; }
    apiFetch(url)
      .then(function (event) {
        if (!event) { return; }
        var target = document.getElementById("my-status");
        if (event.my_status === "confirmed") {
          section.setAttribute("data-my-status", "confirmed");
          target.textContent = section.getAttribute("data-text-confirmed");
        } else if (event.my_status === "waitlisted" && event.my_position) {
          target.textContent = section.getAttribute("data-text-waitlisted")
            .replace("%(position)s", String(event.my_position));
        }
      })
      .catch(function () { /* the next update tries again */ });
  }

  // Up to ten retries in a row; a refusal (4401, 4403, 4404) stops at once.
  connect({
    path: path,
    maxAttempts: 10,
    onMessage: function (data) {
      if (data.type === "seats" && data.seats) { show(data.seats); refreshOwnStatus(); }
    }
  });
}

main();
