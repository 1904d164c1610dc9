/* Lotsennetz uploads: attach files to a form by picking, dropping or pasting,
 * and show attached files (docs/api.md, "Files").
 *
 * Every widget is a `[data-uploader]` element inside a form
 * (templates/includes/attachments_field.html). Each file goes on its own to
 * POST /api/files/ (XMLHttpRequest, for the upload progress), with a progress
 * bar and a cancel button; the server's refusal (413, 415, 422 … with a JSON
 * `detail`) is shown in the widget's alert region. An uploaded file becomes a
 * hidden input (`attachments` by default) of the form, which the page's view
 * attaches when the form is saved; the chat (chat.js) reads the ids instead
 * and sends them in its `message` frame.
 *
 * The texts come from the page (the widget's data-texts, or the json_script
 * "attachment-texts"), the same words as core/templatetags/attachments.py uses
 * on the server. No inline script, no blob: or data: URL (the page's CSP
 * allows images from 'self' only): a file is shown once the server has it.
 *
 * Plain ES module, no build step.
 */
import { csrfToken } from "./api.js";

/** "%(name)s …" with the values filled in. */
export function format(text, values) {
  return String(text).replace(/%\((\w+)\)s/g, (match, key) => (key in values ? String(values[key]) : match));
}

/** 1536 -> "1,5 KB" in the page's language (the server's human_size filter). */
export function humanSize(size, texts) {
  const steps = [[1024 ** 3, "gb"], [1024 ** 2, "mb"], [1024, "kb"]];
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false,
  });
  for (const [factor, unit] of steps) {
    if (size >= factor) { return format(texts.units[unit], { size: number.format(size / factor) }); }
  }
  return format(texts.units.b, { size: String(size) });
}

/** "PDF-Dokument", "PNG-Bild" …, by the type the server decided. */
export function fileKind(file, texts) {
  return (texts.kinds && texts.kinds[file.content_type]) || texts.otherKind;
}

/** Our own download paths only: a path on this site, never a scheme of its own. */
function localUrl(url) {
  return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") ? url : null;
}

/** The texts of a page without an upload widget: the json_script "attachment-texts". */
export function pageTexts() {
  const element = document.getElementById("attachment-texts");
  return element ? JSON.parse(element.textContent) : null;
}

/**
 * The attached files as includes/attachments.html renders them: pictures as
 * thumbnails that open full size, other files as a list with type and size.
 * Null for no files.
 */
export function attachmentsElement(files, texts) {
  if (!Array.isArray(files) || !files.length || !texts) { return null; }
  const box = document.createElement("div");
  box.className = "attachments";
  const images = document.createElement("ul");
  images.className = "attachment-images";
  images.setAttribute("aria-label", texts.images);
  const others = document.createElement("ul");
  others.className = "attachment-files";
  others.setAttribute("aria-label", texts.files);
  files.forEach((file) => {
    const url = localUrl(file.url);
    const thumbnail = localUrl(file.thumbnail_url);
    if (!url) { return; }
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = url;
    if (thumbnail) {
      link.className = "attachment-image";
      const image = document.createElement("img");
      image.src = thumbnail;
      image.alt = format(texts.openImage, { name: file.name });
      image.loading = "lazy";
      link.append(image);
      item.append(link);
      images.append(item);
    } else {
      link.className = "attachment-file";
      link.textContent = file.name;
      const meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = format(texts.fileMeta, { kind: fileKind(file, texts), size: humanSize(file.size, texts) });
      item.append(link, " ", meta);
      others.append(item);
    }
  });
  if (images.childElementCount) { box.append(images); }
  if (others.childElementCount) { box.append(others); }
  return box.childElementCount ? box : null;
}

/**
 * Send one file to `url` (multipart, part `file`, with the CSRF token).
 * Returns {promise, abort}; the promise resolves to the file object, or
 * rejects with {status, reason} (status 0: the network; `aborted` when cancelled).
 */
export function uploadFile(url, file, { onProgress = () => {}, fileName } = {}) {
  const request = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    request.open("POST", url);
    request.setRequestHeader("X-CSRFToken", csrfToken());
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) { onProgress(event.loaded / event.total); }
    });
    request.addEventListener("load", () => {
      let data = null;
      try { data = JSON.parse(request.responseText); } catch { data = null; }
      if (request.status >= 200 && request.status < 300 && data && data.id) {
        resolve(data);
      } else {
        const reason = data && typeof data.detail === "string" ? data.detail : "";
        reject({ status: request.status, reason, data });
      }
    });
    request.addEventListener("error", () => reject({ status: 0, reason: "" }));
    request.addEventListener("abort", () => reject({ status: 0, reason: "", aborted: true }));
    const body = new FormData();
    body.append("file", file, fileName || file.name);
    request.send(body);
  });
  return { promise, abort: () => request.abort() };
}

const controllers = new WeakMap();

function hasFiles(transfer) {
  return Boolean(transfer) && Array.prototype.includes.call(transfer.types || [], "Files");
}

/** A small button whose visible word ("Entfernen") is named for its file ("a.pdf entfernen"). */
function button(label, name, className) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "link-button " + className;
  element.textContent = label;
  element.setAttribute("aria-label", name);
  return element;
}

/** A screenshot from the clipboard is called "image.png": give it a name a reader recognises. */
function pastedName(file, texts, index) {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  const stamp = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) + " " + pad(now.getHours()) + "." + pad(now.getMinutes()) + "." + pad(now.getSeconds());
  const ending = (/\.[A-Za-z0-9]{1,5}$/.exec(file.name || "") || [".png"])[0];
  return texts.pastedName + " " + stamp + (index ? " (" + (index + 1) + ")" : "") + ending;
}

/** Markdown for a picture placed in the text: ![name](url). */
function imageMarkdown(name, url) {
  const label = name.replace(/([\\[\]])/g, "\\$1");
  const target = url.replace(/[()\s]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"));
  return "![" + label + "](" + target + ")";
}

/**
 * Set up one widget (idempotent). Returns the controller:
 *   ids()          the ids of the attached files, in order
 *   files()        their file objects
 *   busy()         an upload is still running
 *   count()        attached plus running
 *   clear()        forget all (the files stay on the server: they were sent)
 *   restore(files) show these file objects again (a message that was refused)
 *   addFiles(list) upload these File objects
 *   onChange(fn)   called after every change
 */
export function setupUploader(root) {
  if (controllers.has(root)) { return controllers.get(root); }
  const texts = JSON.parse(root.dataset.texts || "{}");
  const form = root.closest("form");
  const target = form || root;
  const name = root.dataset.name || "attachments";
  const url = root.dataset.uploadUrl;
  const maxBytes = Number(root.dataset.maxBytes) || Infinity;
  const maxFiles = Number(root.dataset.maxFiles) || 10;
  const canInsert = root.dataset.insert === "1";
  const list = root.querySelector(".upload-list");
  const picker = root.querySelector(".upload-picker");
  const pick = root.querySelector(".upload-pick");
  const input = root.querySelector(".upload-input");
  const status = root.querySelector(".upload-status");
  const errors = root.querySelector(".upload-errors");
  const dropHint = root.querySelector(".upload-drop-hint");
  const textarea = form ? form.querySelector("textarea") : null;
  const fresh = new Set();   // uploaded here and not yet saved: deleted on the server when removed
  const listeners = [];
  let running = 0;

  function changed() {
    list.hidden = !list.childElementCount;
    listeners.forEach((listener) => listener());
  }

  function say(text) {
    // A new node each time: screen readers announce an added line reliably.
    status.textContent = "";
    const line = document.createElement("span");
    line.textContent = text;
    status.append(line);
  }

  function complain(text) {
    const line = document.createElement("p");
    line.textContent = text;
    errors.append(line);
    while (errors.childElementCount > 5) { errors.firstElementChild.remove(); }
  }

  function fileOf(item) {
    if (item._file) { return item._file; }
    const data = item.dataset;
    return {
      id: data.id, name: data.name, size: Number(data.size), content_type: data.contentType,
      url: data.url, thumbnail_url: data.thumbnailUrl || null,
    };
  }

  function items() {
    return Array.from(list.querySelectorAll(":scope > .upload-item"));
  }

  // --- one finished file: the chip with its hidden input --------------------------
  function chip(file, item = document.createElement("li")) {
    item.className = "upload-item";
    item.textContent = "";
    item._file = file;
    item.dataset.id = file.id;
    const thumbnail = localUrl(file.thumbnail_url);
    if (thumbnail) {
      const image = document.createElement("img");
      image.className = "upload-thumb";
      image.src = thumbnail;
      image.alt = "";
      item.append(image);
    } else {
      const icon = document.createElement("span");
      icon.className = "upload-icon";
      icon.setAttribute("aria-hidden", "true");
      item.append(icon);
    }
    const text = document.createElement("span");
    text.className = "upload-text";
    const label = document.createElement("span");
    label.className = "upload-name";
    label.textContent = file.name;
    const meta = document.createElement("span");
    meta.className = "upload-meta";
    meta.textContent = format(texts.fileMeta, { kind: fileKind(file, texts), size: humanSize(file.size, texts) });
    text.append(label, " ", meta);
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = name;
    hidden.value = file.id;
    const actions = document.createElement("span");
    actions.className = "upload-actions";
    if (canInsert && textarea && thumbnail && localUrl(file.url)) {
      actions.append(button(texts.insert, format(texts.insertFor, { name: file.name }), "upload-insert"));
    }
    actions.append(button(texts.remove, format(texts.removeFor, { name: file.name }), "upload-remove"));
    item.append(text, hidden, actions);
    return item;
  }

  // --- one running upload: name, progress bar, cancel ---------------------------------
  function start(file, fileName) {
    const shown = fileName || file.name;
    const item = document.createElement("li");
    item.className = "upload-item upload-running";
    const text = document.createElement("span");
    text.className = "upload-text";
    const label = document.createElement("span");
    label.className = "upload-name";
    label.textContent = shown;
    const meta = document.createElement("span");
    meta.className = "upload-meta";
    meta.textContent = humanSize(file.size, texts);
    text.append(label, " ", meta);
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", format(texts.progress, { name: shown }));
    const actions = document.createElement("span");
    actions.className = "upload-actions";
    const cancel = button(texts.cancel, format(texts.cancelFor, { name: shown }), "upload-cancel");
    actions.append(cancel);
    item.append(text, progress, actions);
    list.append(item);
    running += 1;
    changed();
    say(format(texts.uploading, { name: shown }));

    const upload = uploadFile(url, file, {
      fileName: shown,
      onProgress: (share) => { progress.value = Math.round(share * 100); },
    });
    cancel.addEventListener("click", () => upload.abort());
    upload.promise.then((stored) => {
      const hadFocus = item.contains(document.activeElement);
      fresh.add(String(stored.id));
      chip(stored, item);
      if (hadFocus) { item.querySelector(".upload-remove").focus(); }
      say(format(texts.uploaded, { name: stored.name }));
    }, (failure) => {
      const hadFocus = item.contains(document.activeElement);
      item.remove();
      if (failure.aborted) {
        say(format(texts.cancelled, { name: shown }));
      } else if (failure.status === 0) {
        complain(format(texts.refused, { name: shown, reason: texts.network }));
      } else {
        complain(format(texts.refused, {
          name: shown,
          reason: failure.reason || format(texts.refusedStatus, { status: failure.status }),
        }));
      }
      if (hadFocus) { pick.focus(); }
    }).finally(() => {
      running -= 1;
      changed();
    });
  }

  function addFiles(fileList, { pasted = false } = {}) {
    errors.textContent = "";
    let room = maxFiles - items().length;
    Array.from(fileList).forEach((file, index) => {
      const shown = pasted ? pastedName(file, texts, index) : file.name;
      if (room <= 0) {
        if (room === 0) { complain(format(texts.tooMany, { count: maxFiles })); }
        room -= 1;
        return;
      }
      if (file.size > maxBytes) {
        complain(format(texts.tooLarge, { name: shown, max: humanSize(maxBytes, texts) }));
        return;
      }
      room -= 1;
      start(file, shown);
    });
  }

  function remove(item) {
    const file = fileOf(item);
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    if (fresh.has(String(file.id))) {
      fresh.delete(String(file.id));
      // Not attached to anything yet: free the quota now (the cron would, a day later).
      const request = new XMLHttpRequest();
      request.open("DELETE", url + encodeURIComponent(file.id) + "/");
      request.setRequestHeader("X-CSRFToken", csrfToken());
      request.send();
    }
    say(format(texts.removed, { name: file.name }));
    const focusable = next && next.querySelector(".upload-remove, .upload-cancel");
    (focusable || pick).focus();
    changed();
  }

  function insert(item) {
    const file = fileOf(item);
    const markdown = imageMarkdown(file.name, file.url);
    const from = textarea.selectionStart;
    const to = textarea.selectionEnd;
    const before = textarea.value.slice(0, from);
    const lead = before && !before.endsWith("\n") ? "\n" : "";
    textarea.value = before + lead + markdown + "\n" + textarea.value.slice(to);
    const caret = before.length + lead.length + markdown.length + 1;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    say(format(texts.inserted, { name: file.name }));
  }

  // --- wiring ------------------------------------------------------------------------------
  list.addEventListener("click", (event) => {
    const control = event.target.closest("button");
    const item = control && control.closest(".upload-item");
    if (!item) { return; }
    if (control.classList.contains("upload-remove")) { remove(item); }
    if (control.classList.contains("upload-insert") && textarea) { insert(item); }
  });
  // The files the form already carries (an edit, a form shown again after an
  // error): the form's own hidden inputs go into their chips; a chip the server
  // did not render is built from the API's file object.
  items().forEach((item) => {
    item.querySelectorAll(".upload-remove").forEach((b) => { b.hidden = false; });
    item.querySelectorAll(".upload-insert").forEach((b) => { b.hidden = !textarea; });
  });
  function adopt(hidden) {
    let item = items().find((candidate) => candidate.dataset.id === hidden.value);
    if (item) {
      item.querySelector(".upload-actions").before(hidden);
      return;
    }
    const placeholder = { id: hidden.value, name: hidden.value, size: 0, content_type: "", url: null, thumbnail_url: null };
    item = chip(placeholder);
    item.querySelector("input[type=hidden]").replaceWith(hidden);
    list.append(item);
    const request = new XMLHttpRequest();
    request.open("GET", url + encodeURIComponent(hidden.value) + "/");
    request.setRequestHeader("Accept", "application/json");
    request.addEventListener("load", () => {
      let file = null;
      try { file = JSON.parse(request.responseText); } catch { file = null; }
      if (request.status === 200 && file && String(file.id) === hidden.value) {
        chip(file, item);
      } else if (request.status === 404) {
        // Gone (deleted, or purged as never attached): saving it again could only fail.
        item.remove();
        changed();
      }
    });
    request.send();
  }
  if (form) {
    Array.from(form.querySelectorAll('input[type="hidden"]'))
      .filter((hidden) => hidden.name === name && !hidden.closest(".upload-item"))
      .forEach(adopt);
    items().forEach((item) => {
      if (item.querySelector('input[type="hidden"]')) { return; }
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = name;
      hidden.value = item.dataset.id;
      item.querySelector(".upload-actions").before(hidden);
    });
    // From now on the list is the whole truth: an empty list removes the files.
    const marker = document.createElement("input");
    marker.type = "hidden";
    marker.name = name + "_sent";
    marker.value = "1";
    root.append(marker);
  }

  pick.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    addFiles(input.files);
    input.value = "";
  });

  let depth = 0;
  function dragging(on) {
    target.classList.toggle("upload-dragging", on);
    if (dropHint) { dropHint.hidden = !on; }
  }
  target.addEventListener("dragenter", (event) => {
    if (!hasFiles(event.dataTransfer)) { return; }
    event.preventDefault();
    depth += 1;
    dragging(true);
  });
  target.addEventListener("dragover", (event) => {
    if (!hasFiles(event.dataTransfer)) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  target.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) { dragging(false); }
  });
  target.addEventListener("drop", (event) => {
    if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
    event.preventDefault();
    depth = 0;
    dragging(false);
    addFiles(event.dataTransfer.files);
  });
  // A pasted screenshot is a file; a paste with text (from a word processor,
  // which adds a picture of it) stays the text it is.
  target.addEventListener("paste", (event) => {
    const data = event.clipboardData;
    if (!data || !data.files || !data.files.length || data.getData("text/plain")) { return; }
    event.preventDefault();
    addFiles(data.files, { pasted: true });
  });
  if (form) {
    form.addEventListener("submit", (event) => {
      if (running) {
        event.preventDefault();
        errors.textContent = "";
        complain(texts.busy);
      }
    });
  }

  picker.hidden = false;
  root.classList.add("upload-ready");

  const controller = {
    ids: () => items().filter((item) => !item.classList.contains("upload-running")).map((item) => fileOf(item).id),
    files: () => items().filter((item) => !item.classList.contains("upload-running")).map(fileOf),
    busy: () => running > 0,
    count: () => items().length,
    clear() {
      items().forEach((item) => { if (!item.classList.contains("upload-running")) { item.remove(); } });
      fresh.clear();
      errors.textContent = "";
      changed();
    },
    restore(files) {
      files.forEach((file) => { fresh.add(String(file.id)); list.append(chip(file)); });
      changed();
    },
    addFiles,
    onChange(listener) { listeners.push(listener); },
    texts,
  };
  controllers.set(root, controller);
  return controller;
}

/** The controller of the widget inside `element` (a form), or null. */
export function uploaderIn(element) {
  const root = element && element.querySelector("[data-uploader]");
  return root ? setupUploader(root) : null;
}

document.querySelectorAll("[data-uploader]").forEach((root) => setupUploader(root));
