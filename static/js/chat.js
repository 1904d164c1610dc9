/* Lotsennetz chat: the WebSocket client of a room page (docs/api.md).
 *
 * The channel layer is only a doorbell, so this client never trusts it alone:
 * it keeps the contiguous run of messages by `seq`, asks `sync` for any gap,
 * asks again after every reconnect (with backoff) and from time to time for
 * anything missed at the end, and resends its own messages with the same
 * `client_id` until their echo arrives. The server stores a client_id once.
 * No inline script, no third-party request: data comes from data-attributes
 * and the json_script element "chat-strings"; dates follow the page's language
 * (<html lang>). The socket itself is live.js's, the requests api.js's; files
 * are uploaded by uploads.js and travel as ids in the `message` frame.
 */
import { connect } from "./live.js";
import { apiFetch, apiRequest } from "./api.js";
import { attachmentsElement, pageTexts, uploaderIn } from "./uploads.js";

function main() {
  var root = document.getElementById("chat");
  if (!root || !("WebSocket" in window)) { return; }

  var T = JSON.parse(document.getElementById("chat-strings").textContent);
  var slug = root.dataset.room;
  var me = Number(root.dataset.me);
  var canModerate = root.dataset.canModerate === "1";
  var api = root.dataset.api;
  var membershipApi = root.dataset.membershipApi;

  var log = document.getElementById("chat-log");
  var olderButton = document.getElementById("chat-older");
  var announce = document.getElementById("chat-announce");
  var typingLine = document.getElementById("chat-typing");
  var onlineLine = document.getElementById("chat-online");
  var connectionLine = document.getElementById("chat-connection");
  var pendingList = document.getElementById("chat-pending");
  var composer = document.getElementById("chat-composer");
  var textarea = document.getElementById("chat-body");
  var errorLine = document.getElementById("chat-error");
  var fileTexts = pageTexts();   // how a file is described (json_script "attachment-texts")
  var uploader = composer ? uploaderIn(composer) : null;

  var RESEND_AFTER_MS = 4000;
  var IDLE_SYNC_MS = 30000;
  var TYPING_SHOWN_MS = 5000;
  var TYPING_SEND_EVERY_MS = 2500;
  // Doorbells of one room may overtake each other (several server processes
  // commit in parallel): a gap gets this long to close before `sync` is asked.
  var GAP_WAIT_MS = 1000;

  var lastSeq = Number(root.dataset.lastSeq) || 0;   // end of the contiguous run
  var oldestSeq = Number(root.dataset.oldestSeq) || 1;
  var syncing = false;
  var early = {};        // live messages past a gap, by seq, held until it closes
  var gapTimer = null;
  var connection = null;
  // The server writes the same with Babel (core/dates.py: datetime_short): after a
  // reload a message shows the very same date and time.
  var timeZone = root.dataset.timeZone || undefined;
  var stampFormat;
  try {
    stampFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      {dateStyle: "medium", timeStyle: "short", timeZone: timeZone});
  } catch {   // an unknown zone name: the browser's own
    stampFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
      {dateStyle: "medium", timeStyle: "short"});
  }
  var pending = {};   // client_id -> {body, sentAt, item}
  var typers = {};    // user id -> {name, until}
  var lastTypingSent = 0;
  var readTimer = null;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function send(frame) {
    return connection !== null && connection.send(frame);
  }

  function sync() {
    if (syncing) { return; }
    if (send({type: "sync", after: lastSeq})) { syncing = true; }
  }

  // --- rendering -------------------------------------------------------------------
  function formatTime(iso) {
    // A plain space where CLDR has a narrow one ("2:00 PM"), as the server writes it.
    return stampFormat.format(new Date(iso)).replace(/\u202f/g, " ");
  }

  function fill(item, message) {
    var own = message.author && message.author.id === me;
    item.className = "chat-message" + (own ? " chat-own" : "") + (message.deleted ? " chat-deleted" : "");
    item.dataset.seq = message.seq;
    item.dataset.author = message.author ? message.author.id : "";
    item.textContent = "";
    var meta = document.createElement("p");
    meta.className = "chat-meta";
    var author = document.createElement("span");
    author.className = "chat-author";
    author.textContent = message.author ? message.author.display_name : T.deletedAccount;
    var time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = formatTime(message.created_at);
    meta.append(author, " ", time);
    if (message.edited_at && !message.deleted) {
      var edited = document.createElement("span");
      edited.className = "chat-edited";
      edited.textContent = " (" + T.edited + ")";
      meta.append(edited);
    }
    var body = document.createElement("div");
    body.className = "chat-body";
    if (message.deleted) {
      body.innerHTML = "<p><em></em></p>";
      body.querySelector("em").textContent = T.deleted;
    } else {
      body.innerHTML = message.body_html;  // rendered and sanitised by the server (nh3)
    }
    item.append(meta, body);
    var files = message.deleted ? null : attachmentsElement(message.attachments, fileTexts);
    if (files) { item.append(files); }
    if (!message.deleted && (own || canModerate)) {
      var actions = document.createElement("div");
      actions.className = "chat-actions";
      if (own) { actions.append(actionButton(T.edit, "chat-edit")); }
      actions.append(actionButton(T.delete, "chat-delete"));
      item.append(actions);
    }
    item._message = message;
    return item;
  }

  function actionButton(label, className) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link-button " + className;
    button.textContent = label;
    return button;
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function itemFor(seq) {
    return log.querySelector('li[data-seq="' + seq + '"]');
  }

  // Keep only what continues the run (live messages past a gap wait in `early`); report a gap.
  function accept(messages, live) {
    var gap = false;
    var stick = nearBottom();
    function append(message, announced) {
      log.append(fill(document.createElement("li"), message));
      lastSeq = message.seq;
      confirm(message.client_id, message.author);
      if (announced && message.author && message.author.id !== me) {
        say(format(T.newMessage, {name: message.author.display_name, text: plain(message)}));
      }
    }
    messages.slice().sort(function (a, b) { return a.seq - b.seq; }).forEach(function (message) {
      if (message.seq <= lastSeq) { return; }
      if (message.seq !== lastSeq + 1) {
        gap = true;
        if (live) { early[message.seq] = message; }
        return;
      }
      append(message, live);
    });
    while (early[lastSeq + 1]) {
      var next = early[lastSeq + 1];
      delete early[lastSeq + 1];
      append(next, true);
    }
    Object.keys(early).forEach(function (seq) { if (Number(seq) <= lastSeq) { delete early[seq]; } });
    if (!Object.keys(early).length) {
      window.clearTimeout(gapTimer);
      gapTimer = null;
    }
    if (stick) { log.scrollTop = log.scrollHeight; }
    markReadSoon();
    return gap && (!live || Object.keys(early).length > 0);
  }

  // A live gap: ask `sync` only if it is still open after GAP_WAIT_MS.
  function syncSoon() {
    if (gapTimer !== null) { return; }
    gapTimer = window.setTimeout(function () {
      gapTimer = null;
      if (Object.keys(early).length) { sync(); }
    }, GAP_WAIT_MS);
  }

  function plain(message) {
    var scratch = document.createElement("div");
    scratch.innerHTML = message.body_html;
    var text = scratch.textContent.trim();
    if (!text && message.attachments && message.attachments.length && fileTexts) {
      text = fileNames(fileTexts.attachmentOnly, message.attachments);
    }
    return text.length > 200 ? text.slice(0, 200) + " …" : text;
  }

  function fileNames(text, files) {
    return format(text, {names: files.map(function (file) { return file.name; }).join(", ")});
  }

  function say(text) {
    var line = document.createElement("p");
    line.textContent = text;
    announce.append(line);
    while (announce.childNodes.length > 5) { announce.removeChild(announce.firstChild); }
  }

  // --- own messages: pending until their echo arrives ------------------------------------
  function confirm(clientId, author) {
    if (!author || author.id !== me || !pending[clientId]) { return; }
    pending[clientId].item.remove();
    delete pending[clientId];
  }

  function messageFrame(clientId, entry) {
    var frame = {type: "message", body: entry.body, client_id: clientId};
    if (entry.files.length) {
      frame.attachments = entry.files.map(function (file) { return file.id; });
    }
    return frame;
  }

  function submit(body, files) {
    var clientId = newClientId();
    var item = document.createElement("li");
    var shown = body || (fileTexts ? fileNames(fileTexts.attachmentOnly, files) : "");
    item.textContent = shown.length > 80 ? shown.slice(0, 80) + " …" : shown;
    item.style.whiteSpace = "pre-line";   // its line breaks, as the sent message will show them
    var note = document.createElement("span");
    note.className = "chat-pending-note";
    note.textContent = " – " + T.sending;
    item.append(note);
    pendingList.append(item);
    pending[clientId] = {body: body, files: files, sentAt: Date.now(), item: item};
    send(messageFrame(clientId, pending[clientId]));
  }

  function resendUnconfirmed() {
    var now = Date.now();
    Object.keys(pending).forEach(function (clientId) {
      var entry = pending[clientId];
      if (now - entry.sentAt >= RESEND_AFTER_MS && send(messageFrame(clientId, entry))) {
        entry.sentAt = now;
      }
    });
  }

  // --- frames from the server --------------------------------------------------------------
  function onFrame(frame) {
    switch (frame.type) {
      case "ready":
        connection.healthy();
        connectionLine.textContent = "";
        if (frame.last_seq > lastSeq) { sync(); }
        resendUnconfirmed();
        break;
      case "message":
        if (accept([frame.message], true)) { syncSoon(); }
        break;
      case "history":
        syncing = false;
        // sync answers from the first message kept: older ones may be purged (chat retention).
        if (frame.messages.length && frame.messages[0].seq > lastSeq + 1) { lastSeq = frame.messages[0].seq - 1; }
        var gap = accept(frame.messages, false);
        if (frame.has_more || (gap && frame.messages.length)) { sync(); }
        break;
      case "message_changed":
        var item = itemFor(frame.message.seq);
        // An open editor keeps the text being written; saving then meets the change (412).
        if (item && item.querySelector(".chat-edit-form")) {
          item._message = frame.message;
        } else if (item) {
          fill(item, frame.message);
        }
        break;
      case "typing":
        typers[frame.user.id] = {name: frame.user.display_name, until: Date.now() + TYPING_SHOWN_MS};
        showTyping();
        break;
      case "presence":
        showOnline(frame);
        break;
      case "room_closed":
        if (composer) { composer.hidden = true; }
        connectionLine.textContent = T.closed;
        break;
      case "error":
        if (frame.code === "rate_limited") {
          errorLine.textContent = T.rateLimited;   // stays pending, resent shortly
        } else {
          if (frame.client_id && pending[frame.client_id]) {
            // The files of a refused message go back into the composer.
            if (uploader && pending[frame.client_id].files.length) { uploader.restore(pending[frame.client_id].files); }
            pending[frame.client_id].item.remove();
            delete pending[frame.client_id];
          }
          errorLine.textContent = frame.detail;
        }
        break;
    }
  }

  // Who is online: the whole list (at most 100, with online_count) after ready and in
  // small rooms; in large rooms deltas (joined, left) applied to the list we have.
  var online = {};
  var onlineCount = 0;
  function showOnline(frame) {
    if (frame.online) {
      online = {};
      frame.online.forEach(function (u) { online[u.id] = u.display_name; });
    }
    (frame.left || []).forEach(function (u) { delete online[u.id]; });
    (frame.joined || []).forEach(function (u) {
      if (Object.keys(online).length < 100) { online[u.id] = u.display_name; }
    });
    var names = Object.keys(online).map(function (id) { return online[id]; });
    names.sort(function (a, b) { return a.localeCompare(b); });
    onlineCount = typeof frame.online_count === "number" ? frame.online_count : names.length;
    var shown = names.slice(0, 20);
    onlineLine.textContent = onlineCount > shown.length
      ? format(T.onlineMore, {names: shown.join(", "), more: onlineCount - shown.length, count: onlineCount})
      : format(T.online, {names: shown.join(", ")});
  }

  function showTyping() {
    var now = Date.now();
    var names = [];
    Object.keys(typers).forEach(function (id) {
      if (typers[id].until > now) { names.push(typers[id].name); } else { delete typers[id]; }
    });
    typingLine.textContent = names.length ? format(T.typing, {names: names.join(", ")}) : "";
  }

  // --- the socket: live.js reconnects with backoff; `ready` then resumes with `sync` ---------------
  function start() {
    connection = connect({
      path: "/ws/chat/" + encodeURIComponent(slug) + "/",
      onMessage: onFrame,
      onOpen: function () { syncing = false; },
      onRetry: function (delay) {
        syncing = false;
        connectionLine.textContent = format(T.reconnecting, {seconds: Math.max(1, Math.ceil(delay / 1000))});
      },
      onRefused: function () { connectionLine.textContent = T.refused; }
    });
  }

  // --- loading history upward -----------------------------------------------------------------------
  function loadOlder() {
    if (olderButton.disabled) { return; }
    olderButton.disabled = true;
    apiFetch(api + "?before=" + oldestSeq + "&page_size=50")
      .then(function (page) {
        var before = log.scrollHeight;
        var first = log.firstElementChild;
        page.results.forEach(function (message) {
          if (!itemFor(message.seq)) { log.insertBefore(fill(document.createElement("li"), message), first); }
        });
        if (page.results.length) { oldestSeq = page.results[0].seq; }
        log.scrollTop += log.scrollHeight - before;
        olderButton.hidden = !page.previous;
      })
      .catch(function () { errorLine.textContent = T.failed; })
      .then(function () { olderButton.disabled = false; });
  }

  function request(method, url, body) {
    return apiFetch(url, {method: method, json: body});
  }

  function markReadSoon() {
    if (document.visibilityState !== "visible") { return; }
    window.clearTimeout(readTimer);
    readTimer = window.setTimeout(function () {
      request("PATCH", membershipApi, {last_read_seq: lastSeq}).catch(function () {});
    }, 2000);
  }

  // --- editing and deleting one's own messages --------------------------------------------------------
  log.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var item = button.closest("li[data-seq]");
    var url = api + item.dataset.seq + "/";
    if (button.classList.contains("chat-delete")) {
      event.preventDefault();
      if (!window.confirm(T.confirmDelete)) { return; }
      request("DELETE", url).catch(function () { errorLine.textContent = T.failed; });
    } else if (button.classList.contains("chat-edit")) {
      startEdit(item, url);
    }
  });

  // Editing sends the version it started from (If-Match, the ETag of the GET): a
  // message changed meanwhile (in another tab) answers 412, and the editor then
  // shows the stored text beside the one being written, which stays in the field.
  function versioned(method, url, body, etag) {
    return apiRequest(url, {method: method, json: body, headers: etag ? {"If-Match": etag} : {}});
  }

  function startEdit(item, url) {
    if (item.querySelector(".chat-edit-form")) { return; }
    versioned("GET", url).then(function (result) {
      if (!result.ok) { throw new Error(result.status); }
      item._message = result.data;
      openEditor(item, url, result.data, result.etag);
    }).catch(function () { errorLine.textContent = T.failed; });
  }

  function openEditor(item, url, message, etag) {
    var body = item.querySelector(".chat-body");
    var form = document.createElement("form");
    form.className = "chat-edit-form";
    var conflict = document.createElement("div");
    conflict.className = "chat-edit-conflict form-errors";
    conflict.setAttribute("role", "alert");
    conflict.hidden = true;
    var label = document.createElement("label");
    label.textContent = T.editLabel;
    var input = document.createElement("textarea");
    input.value = message.body;
    input.rows = 3;
    input.maxLength = 4000;
    label.append(input);
    var save = actionButton(T.save, "chat-save");
    save.type = "submit";
    var cancel = actionButton(T.cancel, "chat-cancel");
    form.append(conflict, label, save, cancel);
    body.replaceWith(form);
    input.focus();
    cancel.addEventListener("click", function () { fill(item, item._message); });

    function showConflict(stored) {
      conflict.textContent = "";
      var note = document.createElement("p");
      note.textContent = T.conflict;
      var heading = document.createElement("p");
      heading.textContent = T.conflictStored;
      var text = document.createElement("pre");
      text.className = "edit-conflict-stored";
      text.textContent = stored.deleted ? T.deleted : stored.body;
      conflict.append(note, heading, text);
      conflict.hidden = false;
      input.focus();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      versioned("PATCH", url, {body: input.value}, etag).then(function (result) {
        if (result.status === 412) {
          return versioned("GET", url).then(function (current) {
            if (!current.ok) { throw new Error(current.status); }
            item._message = current.data;
            etag = current.etag;  // saving again deliberately replaces the stored text
            showConflict(current.data);
          });
        }
        if (!result.ok) { throw new Error(result.status); }
        fill(item, result.data);
      }).catch(function () { errorLine.textContent = T.failed; });
    });
  }

  // --- composing ---------------------------------------------------------------------------------------
  if (composer) {
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = textarea.value;
      if (uploader && uploader.busy()) { return; }   // uploads.js says why
      var files = uploader ? uploader.files() : [];
      if (!body.trim() && !files.length) { return; }
      errorLine.textContent = "";
      submit(body.trim() ? body : "", files);
      if (uploader) { uploader.clear(); }
      textarea.value = "";
      textarea.focus();
    });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    // A message may be only files: the text is required only without them.
    if (uploader) {
      uploader.onChange(function () { textarea.required = uploader.count() === 0; });
    }
    textarea.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTypingSent > TYPING_SEND_EVERY_MS && send({type: "typing"})) { lastTypingSent = now; }
    });
  }

  olderButton.addEventListener("click", loadOlder);
  log.addEventListener("scroll", function () {
    if (log.scrollTop < 40 && !olderButton.hidden) { loadOlder(); }
  });

  // Server-rendered messages get the same buttons as live ones.
  Array.prototype.forEach.call(log.querySelectorAll(".chat-edit"), function (b) { b.hidden = false; });
  Array.prototype.forEach.call(log.querySelectorAll(".chat-delete"), function (b) { b.type = "button"; });

  window.setInterval(resendUnconfirmed, 1000);
  window.setInterval(showTyping, 1000);
  // A lost doorbell for the newest message shows no gap; ask now and then.
  window.setInterval(function () { if (!connection.refused) { sync(); } }, IDLE_SYNC_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !connection.refused) { sync(); markReadSoon(); }
  });

  // A jump from a search (#nachricht-<seq>) shows that message; otherwise the newest.
  var anchor = log.querySelector(".chat-anchor");
  if (anchor) { anchor.scrollIntoView({block: "center"}); } else { log.scrollTop = log.scrollHeight; }
  // The log changes height (the room's head wraps, a phone turns, the room list opens): whoever
  // was reading the newest messages still sees them.
  if (window.ResizeObserver) {
    var stuck = !anchor;
    log.addEventListener("scroll", function () { stuck = nearBottom(); });
    new ResizeObserver(function () { if (stuck) { log.scrollTop = log.scrollHeight; } }).observe(log);
  }
  connectionLine.textContent = T.connecting;
  root.dataset.ready = "1";
  start();
}

main();
