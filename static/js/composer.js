/* The Markdown composer's helpers: a small formatting toolbar and a draft that
 * survives leaving the page. For every <textarea data-markdown-composer>
 * (forum: new thread, reply, edit; chat: the message field).
 *
 * Toolbar: buttons that insert Markdown (bold, italic, link, list, code) around
 * the selection, one tab stop with arrow keys between the buttons (WAI-ARIA
 * toolbar), Ctrl/Cmd+B and Ctrl/Cmd+I in the field. Labels come from the page
 * (json_script "composer-texts", translated by the server).
 *
 * Draft: what is typed is kept in localStorage per page and field (a room, a
 * thread, the new-thread form), restored into an empty field when the page is
 * opened again, and removed when the form is submitted. Nothing leaves the
 * browser; without JavaScript or storage the form works as before.
 */
var PREFIX = "lotsennetz:draft:";
var SAVE_AFTER_MS = 400;

function texts() {
  var node = document.getElementById("composer-texts");
  return node ? JSON.parse(node.textContent) : {};
}

function storage() {
  try {
    var store = window.localStorage;
    var probe = PREFIX + "probe";
    store.setItem(probe, "1");
    store.removeItem(probe);
    return store;
  } catch {
    return null;   // private mode, storage disabled: no drafts, nothing breaks
  }
}

function changed(textarea) {
  textarea.dispatchEvent(new Event("input", {bubbles: true}));   // preview, draft, typing
}

function replaceSelection(textarea, before, after, placeholder) {
  var start = textarea.selectionStart;
  var end = textarea.selectionEnd;
  var selected = textarea.value.slice(start, end) || placeholder;
  textarea.focus();
  textarea.setRangeText(before + selected + after, start, end, "end");
  // The inserted placeholder (or the wrapped text) stays selected, to type over.
  textarea.setSelectionRange(start + before.length, start + before.length + selected.length);
  changed(textarea);
}

function prefixLines(textarea, prefix) {
  var value = textarea.value;
  var start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
  var end = textarea.selectionEnd;
  var lines = value.slice(start, end).split("\n").map(function (line) {
    return line.startsWith(prefix) ? line : prefix + line;
  });
  var block = lines.join("\n");
  var lead = start > 0 && value[start - 2] !== "\n" && value.slice(0, start).trim() ? "\n" : "";
  textarea.focus();
  textarea.setRangeText(lead + block, start, end, "end");
  changed(textarea);
}

var ACTIONS = {
  bold: function (t, T) { replaceSelection(t, "**", "**", T.boldText); },
  italic: function (t, T) { replaceSelection(t, "_", "_", T.italicText); },
  link: function (t, T) {
    var start = t.selectionStart;
    var label = t.value.slice(start, t.selectionEnd) || T.linkText;
    var inserted = "[" + label + "](https://)";
    t.focus();
    t.setRangeText(inserted, start, t.selectionEnd, "end");
    // The address is what is left to type.
    t.setSelectionRange(start + label.length + 3, start + inserted.length - 1);
    changed(t);
  },
  list: function (t) { prefixLines(t, "- "); },
  code: function (t, T) {
    var selected = t.value.slice(t.selectionStart, t.selectionEnd);
    if (selected.indexOf("\n") >= 0) {
      replaceSelection(t, "```\n", "\n```", "");
    } else {
      replaceSelection(t, "`", "`", T.codeText);
    }
  }
};
var ORDER = ["bold", "italic", "link", "list", "code"];

function toolbar(textarea, T) {
  var bar = document.createElement("div");
  bar.className = "composer-toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", T.toolbar);
  if (textarea.id) { bar.setAttribute("aria-controls", textarea.id); }
  var buttons = ORDER.map(function (name, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "composer-button composer-" + name;
    button.dataset.action = name;
    button.textContent = T[name];
    if (T[name + "Hint"]) { button.title = T[name + "Hint"]; }
    button.tabIndex = index === 0 ? 0 : -1;
    button.addEventListener("click", function () { ACTIONS[name](textarea, T); });
    bar.append(button);
    return button;
  });
  // One tab stop; arrows, Home and End move between the buttons.
  bar.addEventListener("keydown", function (event) {
    var index = buttons.indexOf(document.activeElement);
    if (index < 0) { return; }
    var next = {ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1}[event.key];
    if (next === undefined) { return; }
    event.preventDefault();
    next = (next + buttons.length) % buttons.length;
    buttons[index].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  });
  textarea.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) { return; }
    var key = event.key.toLowerCase();
    if (key === "b" || key === "i") {
      event.preventDefault();
      ACTIONS[key === "b" ? "bold" : "italic"](textarea, T);
    }
  });
  var label = textarea.labels && textarea.labels[0];
  // Between the label and the field, so it is found before the field it acts on.
  textarea.parentNode.insertBefore(bar, textarea);
  if (label && label.nextElementSibling !== bar && label.parentNode === textarea.parentNode) {
    label.after(bar);
  }
  return bar;
}

function drafts(textarea, T, store) {
  var form = textarea.form;
  var key = PREFIX + window.location.pathname + "#" + (form && form.id ? form.id + ":" : "") + textarea.name;
  var timer = null;
  var status = document.createElement("p");
  status.className = "composer-draft-status help";
  status.setAttribute("role", "status");
  var discard = document.createElement("button");
  discard.type = "button";
  discard.className = "link-button composer-draft-discard";
  discard.textContent = T.discardDraft;
  discard.hidden = true;
  var row = document.createElement("div");
  row.className = "composer-draft";
  row.append(status, discard);
  textarea.after(row);

  function save() {
    if (textarea.value.trim()) {
      store.setItem(key, textarea.value);
    } else {
      store.removeItem(key);
    }
  }

  var saved = store.getItem(key);
  if (saved && !textarea.value.trim()) {
    textarea.value = saved;
    status.textContent = T.restored;
    discard.hidden = false;
    changed(textarea);
  }
  discard.addEventListener("click", function () {
    store.removeItem(key);
    textarea.value = "";
    status.textContent = T.discarded;
    discard.hidden = true;
    changed(textarea);
    textarea.focus();
  });
  textarea.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(save, SAVE_AFTER_MS);
  });
  // Leaving the page saves at once (the delay above must not lose the last words).
  window.addEventListener("pagehide", function () { if (timer !== null) { save(); } });
  if (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented && textarea.value.trim()) { return; }   // stopped: keep it
      window.clearTimeout(timer);
      timer = null;
      store.removeItem(key);
      status.textContent = "";
      discard.hidden = true;
    });
  }
}

function main() {
  var fields = document.querySelectorAll("textarea[data-markdown-composer]");
  if (!fields.length) { return; }
  var T = texts();
  var store = storage();
  fields.forEach(function (textarea) {
    if (T.toolbar) { toolbar(textarea, T); }
    if (store && textarea.name) { drafts(textarea, T, store); }
  });
}

main();
