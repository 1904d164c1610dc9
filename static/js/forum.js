// Forum pages: live preview and @mention suggestions in the composer, live posts
// in an open thread, new-activity marks in a thread list. Server HTML is already
// sanitised (body_html); everything else goes in as text.
import { connect } from "./live.js";
import { apiFetch } from "./api.js";

// Refused or signed out (4401, 4403, 4404): live.js does not ask again.
function listen(path, onMessage) {
  connect({ path: path, onMessage: onMessage });
}

function main() {
  // --- composer -------------------------------------------------------------
  function setupComposer(textarea) {
    var form = textarea.form;
    var tools = form.querySelector(".composer-tools");
    if (!tools) { return; }
    var preview = tools.querySelector(".composer-preview");
    var list = tools.querySelector(".mention-suggestions");
    var timer = null;
    var lastSent = null;

    function renderPreview() {
      if (textarea.value === lastSent) { return; }
      lastSent = textarea.value;
      var body = new URLSearchParams();
      body.set("body", textarea.value);
      apiFetch(tools.dataset.previewUrl, { method: "POST", body: body }).then(function (data) {
        if (data && typeof data.html === "string") { preview.innerHTML = data.html; }
      }).catch(function () {});
    }

    function mentionQuery() {
      var upto = textarea.value.slice(0, textarea.selectionStart);
      var match = /(^|[^\w@/.-])@([A-Za-z0-9_-]{1,30})$/.exec(upto);
      return match ? match[2] : null;
    }

    function choose(handle) {
      var pos = textarea.selectionStart;
      var before = textarea.value.slice(0, pos).replace(/@[A-Za-z0-9_-]*$/, "@" + handle + " ");
      textarea.value = before + textarea.value.slice(pos);
      textarea.focus();
      textarea.setSelectionRange(before.length, before.length);
      list.hidden = true;
      schedule();
    }

    function suggest() {
      var q = mentionQuery();
      if (!q) { list.hidden = true; return; }
      apiFetch(tools.dataset.mentionsUrl + "?q=" + encodeURIComponent(q)).then(function (data) {
        list.textContent = "";
        if (!data || !data.results.length) { list.hidden = true; return; }
        data.results.forEach(function (member) {
          var item = document.createElement("li");
          item.setAttribute("role", "none");  // the listbox owns the options, not list items
          var button = document.createElement("button");
          button.type = "button";
          button.setAttribute("role", "option");
          button.textContent = member.display_name + " (@" + member.handle + ")";
          button.addEventListener("click", function () { choose(member.handle); });
          item.appendChild(button);
          list.appendChild(item);
        });
        list.hidden = false;
      }).catch(function () {});
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(renderPreview, 350);
    }
    textarea.addEventListener("input", function () { schedule(); suggest(); });
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { list.hidden = true; }
    });
    if (textarea.value) { schedule(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-forum-composer]"), setupComposer);

  // --- live thread ------------------------------------------------------------
  // A socket event is a doorbell (the API's post shape); the post itself comes as
  // the server renders it for this viewer, so a live post shows exactly the
  // actions (quote, react, edit, delete, solution, flag, moderation) a reload would.
  var posts = document.getElementById("posts");
  var announce = document.getElementById("forum-live");

  function fetchHtml(url) {
    return apiFetch(url, { accept: "text/html" });
  }

  function fromHtml(html) {
    // Our own template's output (post bodies sanitised by the server's nh3 allow-list).
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function postUrl(id) {
    return posts.dataset.fragmentUrl.replace("/0/", "/" + encodeURIComponent(String(id)) + "/");
  }

  if (posts && posts.dataset.socket) {
    listen(posts.dataset.socket, function (data) {
      if (!data.post || !data.post.id) { return; }
      var selector = '[data-post-id="' + String(Number(data.post.id)) + '"]';
      if (data.type === "post") {
        if (posts.querySelector(selector) || posts.dataset.lastPage !== "1") { return; }
        fetchHtml(postUrl(data.post.id)).then(function (html) {
          if (!html || posts.querySelector(selector)) { return; }
          var article = fromHtml(html);
          if (!article) { return; }
          article.classList.add("post-live");
          posts.appendChild(article);
          if (announce) { announce.textContent = (posts.dataset.newText || "") + " " + (data.post.author ? data.post.author.display_name : ""); }
        }).catch(function () {});
      } else if (data.type === "post_changed" && posts.querySelector(selector)) {
        fetchHtml(postUrl(data.post.id)).then(function (html) {
          var existing = posts.querySelector(selector);
          var article = html && fromHtml(html);
          if (existing && article) { existing.replaceWith(article); }
        }).catch(function () {});
      }
    });
  }

  // --- live thread list ---------------------------------------------------------
  var threadList = document.getElementById("thread-list");

  function insertThread(row) {
    // New threads go below the pinned ones, above everything else.
    var rows = threadList.querySelectorAll(".thread-row");
    var before = null;
    for (var i = 0; i < rows.length; i++) {
      if (!rows[i].querySelector(".thread-pinned")) { before = rows[i]; break; }
    }
    var empty = threadList.querySelector(".thread-empty");
    if (empty) { empty.remove(); }
    threadList.insertBefore(row, before);
  }

  if (threadList && threadList.dataset.socket) {
    listen(threadList.dataset.socket, function (data) {
      if (!data.thread || !data.thread.id) { return; }
      var selector = '[data-thread-id="' + String(Number(data.thread.id)) + '"]';
      if (data.type === "thread") {
        if (threadList.dataset.firstPage !== "1" || threadList.querySelector(selector)) { return; }
        var url = threadList.dataset.rowUrl.replace("/0/", "/" + encodeURIComponent(String(data.thread.id)) + "/");
        fetchHtml(url).then(function (html) {
          var row = html && fromHtml(html);
          if (!row || threadList.querySelector(selector)) { return; }
          row.classList.add("thread-live");
          insertThread(row);
          var live = document.getElementById("forum-thread-live");
          if (live) { live.textContent = (threadList.dataset.newText || "") + " " + data.thread.title; }
        }).catch(function () {});
        return;
      }
      if (data.type !== "activity") { return; }
      var row = threadList.querySelector(selector);
      if (row) { row.classList.add("thread-unread", "thread-active"); }
      var note = document.getElementById("forum-activity");
      if (note) { note.hidden = false; }
    });
  }
}

main();
