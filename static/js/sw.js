/* Lotsennetz service worker, served at /sw.js (core/webapp.py) for the whole site.
 *
 * The server puts `LOTSENNETZ = {version, shell, offline}` before this file:
 * the hashed addresses of the page shell (styles, scripts, icons) and of the
 * offline page. Only those are kept in the cache. A page or an API answer is
 * never stored: they belong to one member, and a shared computer in a town
 * hall must not show them to the next person. A page that cannot be loaded
 * shows the offline page instead.
 *
 * Web Push (notifications/push.py): a message {title, body, url, tag} becomes
 * a notification; clicking it opens (or focuses) that page of the site. When
 * the browser replaces the subscription (pushsubscriptionchange), the worker
 * subscribes again with the same VAPID key and tells the platform, proving the
 * old subscription by its endpoint and auth secret (there is no session here).
 *
 * A classic script (no import): browsers start module workers only lately.
 */

const CACHE = "lotsennetz-shell-" + LOTSENNETZ.version;
const SHELL = new Set(LOTSENNETZ.shell);

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Without cookies: the offline page must hold nothing of the member.
    await cache.addAll([
      ...LOTSENNETZ.shell,
      new Request(LOTSENNETZ.offline, { credentials: "omit" }),
    ]);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(
      names.filter((name) => name.startsWith("lotsennetz-") && name !== CACHE)
        .map((name) => caches.delete(name)),
    );
    await self.clients.claim();
  })());
});

async function offlinePage() {
  const cache = await caches.open(CACHE);
  const page = await cache.match(LOTSENNETZ.offline);
  return page || new Response("Offline", {
    status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

async function fromShell(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  return kept || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // The network's answer goes to the page and nowhere else.
    event.respondWith(fetch(request).catch(() => offlinePage()));
    return;
  }
  if (SHELL.has(url.pathname)) {
    event.respondWith(fromShell(request));
  }
  // Everything else (API, files, pictures): the network, as without a worker.
});

function sameSitePath(value) {
  try {
    const url = new URL(value || "/", self.location.origin);
    return url.origin === self.location.origin ? url.pathname + url.search + url.hash : "/";
  } catch {
    return "/";
  }
}

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  const title = typeof message.title === "string" && message.title ? message.title : "Lotsennetz";
  const options = {
    body: typeof message.body === "string" ? message.body : "",
    tag: typeof message.tag === "string" && message.tag ? message.tag : undefined,
    renotify: Boolean(message.tag),
    lang: "de",
    icon: LOTSENNETZ.shell.find((path) => path.includes("icon-192")),
    badge: LOTSENNETZ.shell.find((path) => path.includes("favicon-32")),
    data: { url: sameSitePath(message.url) },
  };
  if (!options.tag) { delete options.tag; options.renotify = false; }
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(sameSitePath(event.notification.data && event.notification.data.url),
    self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (client.url === target && "focus" in client) { return client.focus(); }
    }
    return self.clients.openWindow(target);
  })());
});

/* The subscription as push.js registered it ({endpoint, auth, key}), kept in
 * Cache Storage for a browser that fires pushsubscriptionchange without the old
 * subscription. Not a "lotsennetz-" cache: a new worker version keeps it. */
const PUSH_STORE = "push-subscription";
const PUSH_STORE_ENTRY = "/push-subscription.json";
const PUSH_CHANGE_URL = "/api/push/subscriptions/change/";

function base64url(buffer) {
  const text = String.fromCharCode(...new Uint8Array(buffer));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function keyBytes(value) {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function storedSubscription() {
  try {
    const kept = await (await caches.open(PUSH_STORE)).match(PUSH_STORE_ENTRY);
    return kept ? await kept.json() : null;
  } catch {
    return null;
  }
}

async function storeSubscription(record) {
  const cache = await caches.open(PUSH_STORE);
  await cache.put(PUSH_STORE_ENTRY, new Response(JSON.stringify(record), {
    headers: { "Content-Type": "application/json" },
  }));
}

function describe(subscription, fallbackKey) {
  const json = subscription.toJSON();
  const serverKey = subscription.options && subscription.options.applicationServerKey;
  return {
    endpoint: subscription.endpoint,
    auth: json.keys && json.keys.auth,
    key: serverKey ? base64url(serverKey) : fallbackKey,
  };
}

async function renewSubscription(event) {
  const stored = await storedSubscription();
  const old = event.oldSubscription
    ? describe(event.oldSubscription, stored && stored.key)
    : stored;
  if (!old || !old.endpoint || !old.auth || !old.key) {
    return;  // nothing to replace: the profile's push section subscribes anew
  }
  const fresh = event.newSubscription || await self.registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(old.key),
  });
  const renewed = describe(fresh, old.key);
  if (renewed.endpoint === old.endpoint && renewed.auth === old.auth) { return; }
  const response = await fetch(PUSH_CHANGE_URL, {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ ...fresh.toJSON(), old_endpoint: old.endpoint, old_auth: old.auth }),
  });
  if (response.ok) {
    await storeSubscription(renewed);
  }
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(renewSubscription(event).catch(() => {
    // Push stays off on this device until the member enables it again.
  }));
});
