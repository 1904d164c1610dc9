// The bell in the header: raise the unread count when a notification arrives live (live.js).
import { connect } from "./live.js";

function main() {
  var bell = document.getElementById("notification-bell");
  var count = document.getElementById("notification-count");
  if (!bell || !count || !window.WebSocket) { return; }
  var live = document.createElement("span");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  bell.appendChild(live);

  // Refused or signed out (4401, 4403, 4404): live.js does not ask again.
  connect({
    path: bell.dataset.socket,
    onMessage: function (data) {
      if (data.type !== "notification" || !data.notification) { return; }
      var n = parseInt(count.textContent, 10) || 0;
      count.textContent = String(n + 1);
      count.hidden = false;
      live.textContent = data.notification.text;
      document.dispatchEvent(new CustomEvent("lotsennetz:notification", { detail: data.notification }));
    }
  });
}

main();
