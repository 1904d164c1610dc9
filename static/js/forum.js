// Forum pages: live preview and @mention suggestions in the composer, live posts
// in an open thread, new-activity marks in a thread list. Server HTML is already
// sanitised (body_html); everything else goes in as text.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function socketUrl(path) {
    return (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + path;
  }

  function listen(path, onMessage) {
    var delay = 1000;
    function connect() {
      var socket = new WebSocket(socketUrl(path));
      socket.onopen = function () { delay = 1000; };
      socket.onmessage = function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        onMessage(data);
      };
      socket.onclose = function (event) {
        if (event.code === 4401 || event.code === 4404) { return; }
        window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }
    if (window.WebSocket) { connect(); }
  }

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
      fetch(tools.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
        body: body
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (data && typeof data.html === "string") { preview.innerHTML = data.html; }
      }).catch(function () {});
    }

    function mentionQuery() {
      var upto = textarea.value.slice(0, textarea.selectionStart);
      var match = /(^|[^\w@\/.-])@([A-Za-z0-9_-]{1,30})$/.exec(upto);
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
      fetch(tools.dataset.mentionsUrl + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        list.textContent = "";
        if (!data || !data.results.length) { list.hidden = true; return; }
        data.results.forEach(function (member) {
          var item = document.createElement("li");
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
  var posts = document.getElementById("posts");
  var announce = document.getElementById("forum-live");

  function text(tag, className, value) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    el.textContent = value;
    return el;
  }

  function fillBody(container, post) {
    if (post.is_deleted) {
      container.textContent = "";
      container.appendChild(text("p", "meta", posts.dataset.deletedText || ""));
    } else if (post.is_hidden && !post.body_html) {
      container.textContent = "";
      container.appendChild(text("p", "meta", (posts.dataset.hiddenText || "") + " " + post.hidden_reason));
    } else {
      container.innerHTML = post.body_html;  // sanitised by the server (nh3 allow-list)
    }
  }

  function buildPost(post) {
    var article = document.createElement("article");
    article.className = "post post-live";
    article.id = "beitrag-" + post.number;
    article.dataset.postId = post.id;
    article.dataset.number = post.number;
    var header = document.createElement("header");
    header.className = "post-header";
    header.appendChild(text("span", "post-author", post.author ? post.author.display_name : "–"));
    var link = document.createElement("a");
    link.href = post.url;
    link.className = "meta";
    link.textContent = new Date(post.created_at).toLocaleString();
    header.appendChild(link);
    article.appendChild(header);
    var body = document.createElement("div");
    body.className = "post-body markdown";
    fillBody(body, post);
    article.appendChild(body);
    if (posts.dataset.canAccept === "1" && post.number > 1) {
      var form = document.createElement("form");
      form.method = "post";
      form.action = posts.dataset.solutionUrl.replace("/0/", "/" + post.id + "/");
      form.className = "inline post-actions";
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = posts.dataset.csrf;
      form.appendChild(token);
      var button = text("button", "mark-solution", posts.dataset.solutionText || "");
      button.type = "submit";
      form.appendChild(button);
      article.appendChild(form);
    }
    return article;
  }

  if (posts && posts.dataset.socket) {
    listen(posts.dataset.socket, function (data) {
      if (!data.post) { return; }
      var existing = posts.querySelector('[data-post-id="' + String(data.post.id) + '"]');
      if (data.type === "post") {
        if (existing || posts.dataset.lastPage !== "1") { return; }
        posts.appendChild(buildPost(data.post));
        if (announce) { announce.textContent = (posts.dataset.newText || "") + " " + (data.post.author ? data.post.author.display_name : ""); }
      } else if (data.type === "post_changed" && existing) {
        var body = existing.querySelector(".post-body");
        if (body) { fillBody(body, data.post); }
        existing.classList.toggle("post-solution", !!data.post.is_solution);
      }
    });
  }

  // --- live thread list ---------------------------------------------------------
  var threadList = document.getElementById("thread-list");
  if (threadList && threadList.dataset.socket) {
    listen(threadList.dataset.socket, function (data) {
      if (data.type !== "activity" || !data.thread) { return; }
      var row = threadList.querySelector('[data-thread-id="' + String(data.thread.id) + '"]');
      if (row) { row.classList.add("thread-unread", "thread-active"); }
      var note = document.getElementById("forum-activity");
      if (note) { note.hidden = false; }
    });
  }
})();
