// The bell in the header: raise the unread count when a notification arrives live.
(function () {
  "use strict";
  var bell = document.getElementById("notification-bell");
  var count = document.getElementById("notification-count");
  if (!bell || !count || !window.WebSocket) { return; }
  var live = document.createElement("span");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  bell.appendChild(live);
  var delay = 1000;

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + bell.dataset.socket);
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type !== "notification" || !data.notification) { return; }
      var n = parseInt(count.textContent, 10) || 0;
      count.textContent = String(n + 1);
      count.hidden = false;
      live.textContent = data.notification.text;
      document.dispatchEvent(new CustomEvent("lotsennetz:notification", { detail: data.notification }));
    };
    socket.onclose = function (event) {
      // Refused or signed out (4401, 4403, 4404): asking again would get the same.
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) { return; }
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
