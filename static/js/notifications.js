// The bell in the header: show the unread count the server sends live (live.js).
// A new or collapsed entry ("5 neue Antworten …") comes with the new count; so does
// reading or withdrawing entries in another tab. The same socket keeps the chat
// item's count of unread rooms live.
import { connect } from "./live.js";

function main() {
  var bell = document.getElementById("notification-bell");
  var count = document.getElementById("notification-count");
  if (!bell || !count || !window.WebSocket) { return; }
  var live = document.createElement("span");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  bell.appendChild(live);

  function show(n) {
    count.textContent = String(n);
    count.hidden = n <= 0;
  }

  // The navigation's chat item: rooms with unread messages, sent over this
  // socket when a message arrives in a read room or a room is read elsewhere.
  var chatCount = document.getElementById("chat-unread-count");
  var chatLabel = document.getElementById("chat-unread-label");

  function showChat(n) {
    if (!chatCount) { return; }
    chatCount.textContent = String(n);
    chatCount.hidden = n <= 0;
    if (chatLabel) {
      chatLabel.textContent = " " + (n === 1 ? chatLabel.dataset.one : chatLabel.dataset.many);
      chatLabel.hidden = n <= 0;
    }
  }

  // Refused or signed out (4401, 4403, 4404): live.js does not ask again.
  connect({
    path: bell.dataset.socket,
    onMessage: function (data) {
      if (data.type === "chat_unread" && typeof data.unread_rooms === "number") {
        showChat(data.unread_rooms);
        return;
      }
      if (data.type === "count" && typeof data.unread_count === "number") {
        show(data.unread_count);
        return;
      }
      if (data.type !== "notification" || !data.notification) { return; }
      if (typeof data.unread_count === "number") {
        show(data.unread_count);
      } else {
        show((parseInt(count.textContent, 10) || 0) + 1);
      }
      live.textContent = data.notification.text;
      document.dispatchEvent(new CustomEvent("lotsennetz:notification", { detail: data.notification }));
    }
  });
}

main();
