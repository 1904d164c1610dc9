/* Live seat counts on an event page: a read-only WebSocket, no inline script. */
(function () {
  "use strict";
  var section = document.querySelector("[data-event-seats]");
  if (!section || !("WebSocket" in window)) { return; }
  var path = section.getAttribute("data-ws-path");
  var retries = 0;

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
  }

  // Someone on the waiting list learns at once when they move up.
  function refreshOwnStatus() {
    var status = section.getAttribute("data-my-status");
    var url = section.getAttribute("data-api-url");
    if (status !== "waitlisted" || !url) { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
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

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);
    socket.addEventListener("open", function () { retries = 0; });
    socket.addEventListener("message", function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.type === "seats" && data.seats) { show(data.seats); refreshOwnStatus(); }
    });
    socket.addEventListener("close", function (event) {
      if (event.code >= 4400 && event.code < 4500) { return; }  // refused: do not retry
      retries += 1;
      if (retries <= 10) { window.setTimeout(connect, Math.min(30000, 1000 * retries * retries)); }
    });
  }
  connect();
}());
