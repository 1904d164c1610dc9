/* Lotsennetz API calls: fetch with the CSRF token, JSON in and out, and one
 * error shape carrying the server's JSON reason (docs/api.md: every API
 * error is a JSON object with `detail` and, for field errors, the fields).
 *
 * Plain ES module, no build step.
 */

/** The CSRF token the page was rendered with (a meta tag, a data attribute, a form field), else the cookie. */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) { return meta.content; }
  const holder = document.querySelector("[data-csrf]");
  if (holder && holder.dataset.csrf) { return holder.dataset.csrf; }
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (input && input.value) { return input.value; }
  const match = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
  return match ? decodeURIComponent(match[1]) : "";
}

/** A failed request: `status`, the parsed body as `data` and the server's `reason` (its `detail`). */
export class ApiError extends Error {
  constructor(status, data, etag = null) {
    const reason = data && typeof data === "object" && typeof data.detail === "string" ? data.detail : "";
    super(reason || "HTTP " + status);
    this.name = "ApiError";
    this.status = status;
    this.data = data;
    this.reason = reason;
    this.etag = etag;
  }
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * One request, never throwing for an HTTP status: resolves to
 * {status, ok, etag, data}, with `data` parsed as JSON when the server sent
 * JSON, the text otherwise, and null for an empty body. A network failure rejects.
 *
 * options: method, json (sent as JSON), body (sent as is, e.g. URLSearchParams),
 * headers, accept (default application/json).
 */
export async function apiRequest(url, { method = "GET", json, body, headers = {}, accept = "application/json" } = {}) {
  const verb = method.toUpperCase();
  const sent = { Accept: accept, ...headers };
  if (!SAFE.has(verb)) { sent["X-CSRFToken"] = csrfToken(); }
  let payload = body;
  if (json !== undefined) {
    sent["Content-Type"] = "application/json";
    payload = JSON.stringify(json);
  }
  const response = await fetch(url, { method: verb, credentials: "same-origin", headers: sent, body: payload });
  const type = response.headers.get("Content-Type") || "";
  let data = null;
  if (response.status !== 204) {
    const text = await response.text();
    if (text && type.includes("json")) {
      try { data = JSON.parse(text); } catch { data = null; }
    } else if (text) {
      data = text;
    }
  }
  return { status: response.status, ok: response.ok, etag: response.headers.get("ETag"), data };
}

/** Like apiRequest, but resolves to the data alone and throws ApiError for any status that is not ok. */
export async function apiFetch(url, options = {}) {
  const result = await apiRequest(url, options);
  if (!result.ok) { throw new ApiError(result.status, result.data, result.etag); }
  return result.data;
}
