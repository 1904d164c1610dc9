/* Web Push on this device (profile, templates/notifications/push_devices.html).
 *
 * "Benachrichtigungen auf diesem Gerät" asks the browser for permission,
 * subscribes with the platform's VAPID key through the service worker (/sw.js)
 * and sends the subscription to POST /api/push/subscriptions/. The list of the
 * member's devices comes from GET of the same address; "Entfernen" deletes one
 * (and unsubscribes this browser when it is this device).
 *
 * The subscription's endpoint, auth secret and VAPID key are also kept in
 * Cache Storage ("push-subscription"), for the service worker's
 * pushsubscriptionchange when the browser no longer hands it the old one.
 *
 * Texts come from the section's <template class="push-texts"> (translated).
 */
import { apiFetch } from "./api.js";

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

const PUSH_STORE = "push-subscription";  // read by sw.js (pushsubscriptionchange)
const PUSH_STORE_ENTRY = "/push-subscription.json";

async function rememberSubscription(subscription, publicKey) {
  const json = subscription.toJSON();
  const record = { endpoint: subscription.endpoint, auth: json.keys && json.keys.auth, key: publicKey };
  const cache = await caches.open(PUSH_STORE);
  await cache.put(PUSH_STORE_ENTRY, new Response(JSON.stringify(record), {
    headers: { "Content-Type": "application/json" },
  }));
}

async function forgetSubscription() {
  await caches.delete(PUSH_STORE);
}

function readTexts(root) {
  const texts = {};
  const holder = root.querySelector("template.push-texts");
  if (!holder) { return texts; }
  for (const span of holder.content.querySelectorAll("[data-key]")) {
    texts[span.dataset.key] = span.textContent;
  }
  return texts;
}

function formatDate(value) {
  return value ? new Date(value).toLocaleString(document.documentElement.lang || "de") : "";
}

function main() {
  const root = document.querySelector("[data-push-devices]");
  if (!root || !root.dataset.publicKey) { return; }
  const texts = readTexts(root);
  const api = root.dataset.api;
  const button = root.querySelector(".push-enable");
  const status = root.querySelector(".push-status");
  const list = root.querySelector(".push-list");
  const empty = root.querySelector(".push-empty");
  const noscript = root.querySelector(".push-noscript");
  if (noscript) { noscript.hidden = true; }
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  function say(text) { status.textContent = text; }

  async function currentSubscription() {
    if (!supported) { return null; }
    const registration = await navigator.serviceWorker.getRegistration("/");
    return registration ? registration.pushManager.getSubscription() : null;
  }

  async function render() {
    let devices;
    try {
      devices = (await apiFetch(api)).results;
    } catch {
      say(texts.loadFailed);
      return;
    }
    const current = await currentSubscription().catch(() => null);
    if (current && devices.some((device) => device.endpoint === current.endpoint)) {
      await rememberSubscription(current, root.dataset.publicKey).catch(() => {});
    }
    list.replaceChildren();
    for (const device of devices) {
      const item = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = device.label;
      item.append(name);
      if (current && current.endpoint === device.endpoint) {
        item.append(" " + texts.thisDevice);
      }
      const meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = " · " + texts.since + " " + formatDate(device.created_at)
        + (device.last_success_at ? " · " + texts.lastSuccess + " " + formatDate(device.last_success_at) : "");
      item.append(meta, " ");
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = texts.remove;
      remove.setAttribute("aria-label", texts.removeLabel.replace("%s", device.label));
      remove.addEventListener("click", () => removeDevice(device, current));
      item.append(remove);
      list.append(item);
    }
    list.hidden = devices.length === 0;
    empty.hidden = devices.length > 0;
  }

  async function removeDevice(device, current) {
    try {
      await apiFetch(api + device.id + "/", { method: "DELETE" });
      if (current && current.endpoint === device.endpoint) {
        await current.unsubscribe().catch(() => {});
        await forgetSubscription().catch(() => {});
      }
      say(texts.removed);
    } catch (error) {
      say(texts.saveFailed + " " + (error.reason || error.message));
    }
    await render();
    button.focus();
  }

  async function subscribe(registration) {
    const key = keyBytes(root.dataset.publicKey);
    const existing = await registration.pushManager.getSubscription();
    if (existing) {
      const sameKey = existing.options && existing.options.applicationServerKey
        && new Uint8Array(existing.options.applicationServerKey).join() === key.join();
      if (sameKey) { return existing; }
      await existing.unsubscribe();  // made with a key the operator has since replaced
    }
    return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }

  async function enable() {
    if (!supported) { say(texts.unsupported); return; }
    button.disabled = true;
    say(texts.working);
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") { say(texts.denied); return; }
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      const registration = await navigator.serviceWorker.ready;
      let subscription;
      try {
        subscription = await subscribe(registration);
      } catch (error) {
        say(texts.subscribeFailed + (error && error.name ? " (" + error.name + ")" : ""));
        return;
      }
      try {
        await apiFetch(api, { method: "POST", json: subscription.toJSON() });
      } catch (error) {
        say(texts.saveFailed + " " + (error.reason || error.message));
        return;
      }
      await rememberSubscription(subscription, root.dataset.publicKey).catch(() => {});
      say(texts.done);
      await render();
    } finally {
      button.disabled = false;
    }
  }

  button.hidden = false;
  button.addEventListener("click", enable);
  render();
}

main();
