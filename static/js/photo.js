/* Lotsennetz profile photo: choose a picture, choose the square, save.
 *
 * The picture is decoded in the browser (createImageBitmap: no blob: or data:
 * URL, which the page's CSP would refuse) and drawn on a canvas under a square
 * frame. The frame is moved by dragging the picture or with the two sliders,
 * and made smaller with the zoom slider: every control is an ordinary labelled
 * range input, so a keyboard and a screen reader can do all of it. Saving sends
 * exactly that square (at most 512 px) to POST /api/files/ and then
 * PATCH /api/members/me/ {"photo": id}; the server crops to a centred square,
 * which for a square changes nothing. Without a script the section says so.
 *
 * Texts come from the section's data-texts (core/templatetags/attachments.py).
 */
import { apiFetch } from "./api.js";
import { format, uploadFile } from "./uploads.js";

const OUTPUT_MAX = 512;

function main() {
  const root = document.querySelector("[data-photo-editor]");
  if (!root || !("createImageBitmap" in window)) { return; }
  const texts = JSON.parse(root.dataset.texts);
  const api = root.dataset.api;
  const uploadUrl = root.dataset.uploadUrl;
  const controls = root.querySelector(".photo-controls");
  const pick = root.querySelector(".photo-pick");
  const input = root.querySelector(".photo-input");
  const cropper = root.querySelector(".photo-crop");
  const canvas = root.querySelector(".photo-canvas");
  const previews = Array.from(root.querySelectorAll(".photo-preview"));
  const zoom = root.querySelector(".photo-zoom");
  const moveX = root.querySelector(".photo-x");
  const moveY = root.querySelector(".photo-y");
  const save = root.querySelector(".photo-save");
  const cancel = root.querySelector(".photo-cancel");
  const remove = root.querySelector(".photo-remove");
  const progress = root.querySelector(".photo-progress");
  const status = root.querySelector(".photo-status");
  const errors = root.querySelector(".photo-errors");
  const current = root.querySelector(".photo-current");

  let bitmap = null;
  let source = null;       // the chosen File
  let upload = null;       // the running upload, to cancel
  const crop = { x: 0, y: 0, size: 0 };

  function say(text) {
    status.textContent = "";
    const line = document.createElement("span");
    line.textContent = text;
    status.append(line);
  }

  function complain(text) {
    errors.textContent = "";
    if (!text) { return; }
    const line = document.createElement("p");
    line.textContent = text;
    errors.append(line);
  }

  // --- the square: size from the zoom, position from the two sliders (0…100 %) ----------
  function fromControls() {
    const short = Math.min(bitmap.width, bitmap.height);
    crop.size = short / Number(zoom.value);
    crop.x = (bitmap.width - crop.size) * Number(moveX.value) / 100;
    crop.y = (bitmap.height - crop.size) * Number(moveY.value) / 100;
    moveX.disabled = bitmap.width - crop.size < 1;
    moveY.disabled = bitmap.height - crop.size < 1;
    zoom.setAttribute("aria-valuetext", Math.round(Number(zoom.value) * 100) + " %");
    moveX.setAttribute("aria-valuetext", moveX.value + " %");
    moveY.setAttribute("aria-valuetext", moveY.value + " %");
    draw();
  }

  function toControls() {
    const spareX = bitmap.width - crop.size;
    const spareY = bitmap.height - crop.size;
    moveX.value = spareX > 0 ? Math.round(crop.x / spareX * 100) : 50;
    moveY.value = spareY > 0 ? Math.round(crop.y / spareY * 100) : 50;
  }

  function paint(target, round) {
    const context = target.getContext("2d");
    const side = target.width;
    context.clearRect(0, 0, side, side);
    context.save();
    if (round) {
      context.beginPath();
      context.arc(side / 2, side / 2, side / 2, 0, 2 * Math.PI);
      context.clip();
    }
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, crop.x, crop.y, crop.size, crop.size, 0, 0, side, side);
    context.restore();
  }

  function draw() {
    paint(canvas, false);
    // The round avatar inside the square: the corners are dimmed, not cut.
    const context = canvas.getContext("2d");
    const side = canvas.width;
    context.save();
    context.fillStyle = "rgba(0, 0, 0, 0.45)";
    context.beginPath();
    context.rect(0, 0, side, side);
    context.arc(side / 2, side / 2, side / 2 - 1, 0, 2 * Math.PI, true);
    context.fill("evenodd");
    context.strokeStyle = "#ffffff";
    context.lineWidth = 2;
    context.beginPath();
    context.arc(side / 2, side / 2, side / 2 - 1, 0, 2 * Math.PI);
    context.stroke();
    context.restore();
    previews.forEach((preview) => paint(preview, true));
  }

  // --- dragging the picture under the frame ----------------------------------------------
  let dragFrom = null;
  canvas.addEventListener("pointerdown", (event) => {
    if (!bitmap) { return; }
    dragFrom = { x: event.clientX, y: event.clientY, cropX: crop.x, cropY: crop.y };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!dragFrom) { return; }
    const scale = crop.size / canvas.getBoundingClientRect().width;
    crop.x = Math.min(Math.max(0, dragFrom.cropX - (event.clientX - dragFrom.x) * scale), bitmap.width - crop.size);
    crop.y = Math.min(Math.max(0, dragFrom.cropY - (event.clientY - dragFrom.y) * scale), bitmap.height - crop.size);
    toControls();
    draw();
  });
  const stopDrag = () => { dragFrom = null; };
  canvas.addEventListener("pointerup", stopDrag);
  canvas.addEventListener("pointercancel", stopDrag);

  [zoom, moveX, moveY].forEach((control) => control.addEventListener("input", () => { if (bitmap) { fromControls(); } }));

  // --- choosing ------------------------------------------------------------------------------
  pick.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    const file = input.files[0];
    input.value = "";
    if (!file) { return; }
    complain("");
    if (!/^image\//.test(file.type)) {
      complain(format(texts.notImage, { name: file.name }));
      return;
    }
    if (file.size > Number(root.dataset.maxBytes)) {
      complain(format(texts.tooLarge, { name: file.name, max: root.dataset.maxText }));
      return;
    }
    createImageBitmap(file).then((decoded) => {
      if (bitmap) { bitmap.close(); }
      bitmap = decoded;
      source = file;
      zoom.value = 1;
      moveX.value = 50;
      moveY.value = 50;
      cropper.hidden = false;
      fromControls();
      say(texts.chosen);
      zoom.focus();
    }, () => complain(format(texts.notImage, { name: file.name })));
  });

  function close() {
    cropper.hidden = true;
    progress.hidden = true;
    if (bitmap) { bitmap.close(); }
    bitmap = null;
    source = null;
    pick.focus();
  }

  cancel.addEventListener("click", () => {
    if (upload) { upload.abort(); return; }
    close();
    say(texts.cancelled);
  });

  // --- saving: the square as a picture of its own, then the profile ----------------------------
  function showPhoto(url) {
    // The member's own avatars on this page (the header, this section) change at
    // once, as the avatar tag (community/templatetags/people.py) draws them.
    document.querySelectorAll(".avatar-link .avatar, .photo-current .avatar").forEach((avatar) => {
      avatar.textContent = "";
      if (url) {
        const image = document.createElement("img");
        image.src = url;
        image.alt = "";
        image.width = 64;
        image.height = 64;
        avatar.append(image);
        avatar.classList.add("avatar-photo");
      } else {
        avatar.textContent = root.dataset.initials || "";
        avatar.classList.remove("avatar-photo");
      }
    });
    remove.hidden = !url;
  }

  function setPhoto(id) {
    return apiFetch(api, { method: "PATCH", json: { photo: id } }).then((member) => {
      showPhoto(member && member.photo_url);
      return member;
    });
  }

  save.addEventListener("click", () => {
    if (!bitmap || upload) { return; }
    complain("");
    const side = Math.max(1, Math.min(OUTPUT_MAX, Math.round(crop.size)));
    const output = document.createElement("canvas");
    output.width = side;
    output.height = side;
    paint(output, false);
    const keepsAlpha = /png|gif|webp/.test(source.type);
    const type = keepsAlpha ? "image/png" : "image/jpeg";
    const name = (source.name.replace(/\.[^.]*$/, "") || "foto") + (keepsAlpha ? ".png" : ".jpg");
    output.toBlob((blob) => {
      if (!blob) { complain(texts.failed); return; }
      save.disabled = true;
      progress.hidden = false;
      progress.value = 0;
      say(texts.saving);
      upload = uploadFile(uploadUrl, blob, { fileName: name, onProgress: (share) => { progress.value = Math.round(share * 100); } });
      upload.promise
        .then((stored) => setPhoto(stored.id))
        .then(() => { close(); say(texts.saved); }, (failure) => {
          if (failure && failure.aborted) { close(); say(texts.cancelled); return; }
          const reason = (failure && (failure.reason || failure.message)) || texts.failed;
          complain(format(texts.refused, { reason: failure && failure.status === 0 && !failure.reason ? texts.network : reason }));
        })
        .finally(() => { upload = null; save.disabled = false; progress.hidden = true; });
    }, type, 0.9);
  });

  remove.addEventListener("click", () => {
    complain("");
    setPhoto(null).then(() => { say(texts.removed); pick.focus(); }, (failure) => {
      complain(format(texts.refused, { reason: failure.reason || texts.failed }));
    });
  });

  controls.hidden = false;
  const note = root.querySelector(".photo-noscript");
  if (note) { note.hidden = true; }
  if (current) { current.dataset.ready = "1"; }
  root.dataset.ready = "1";
}

main();
