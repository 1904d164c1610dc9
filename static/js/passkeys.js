/* Passkeys (WebAuthn): add one on the second-factor page, sign in with one at the
 * second step. The server sends py_webauthn's JSON options and checks the answer;
 * this module only converts between JSON and the browser's ArrayBuffers.
 *
 * Plain ES module, no build step.
 */
import { apiRequest } from "./api.js";

const fromB64url = (text) => {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
};
const toB64url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
  .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromB64url(json.challenge),
    user: { ...json.user, id: fromB64url(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: fromB64url(c.id) })),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: fromB64url(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: fromB64url(c.id) })),
  };
}

function credentialJSON(credential) {
  if (typeof credential.toJSON === "function") { return credential.toJSON(); }
  const response = {};
  for (const key of ["clientDataJSON", "attestationObject", "authenticatorData", "signature", "userHandle"]) {
    if (credential.response[key]) { response[key] = toB64url(credential.response[key]); }
  }
  return {
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment,
  };
}

function say(panel, text) {
  const status = panel.querySelector(".passkey-status");
  if (status) { status.textContent = text; }
}

/** The page's own translated texts (data-text-* on the panel). */
const text = (panel, key) => panel.dataset["text" + key] || "";

async function register(panel) {
  say(panel, text(panel, "Waiting"));
  try {
    const options = await apiRequest(panel.dataset.optionsUrl, { method: "POST" });
    if (!options.ok) { throw new Error("options"); }
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options.data) });
    const name = panel.querySelector(".passkey-name").value;
    const answer = await apiRequest(panel.dataset.url, {
      method: "POST", json: { credential: credentialJSON(credential), name },
    });
    if (!answer.ok) { throw new Error((answer.data && answer.data.detail) || "register"); }
    if (answer.data.recovery_codes) {
      const codes = panel.querySelector(".passkey-codes");
      const list = codes.querySelector(".recovery-codes");
      for (const code of answer.data.recovery_codes) {
        const item = document.createElement("li");
        const text = document.createElement("code");
        text.textContent = code;
        item.append(text);
        list.append(item);
      }
      codes.hidden = false;
      // The first factor also ended older keys and sessions: the server says how many.
      say(panel, [text(panel, "Saved"), answer.data.notice].filter(Boolean).join(" "));
      return;
    }
    window.location.assign(answer.data.redirect);
  } catch (error) {
    say(panel, error && error.message && !["options", "register"].includes(error.message) && !(error instanceof DOMException) ? error.message : text(panel, "Failed"));
  }
}

async function signIn(panel) {
  say(panel, text(panel, "Waiting"));
  try {
    const options = await apiRequest(panel.dataset.optionsUrl, { method: "POST" });
    if (!options.ok) { throw new Error("options"); }
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.data) });
    const answer = await apiRequest(panel.dataset.url, { method: "POST", json: credentialJSON(credential) });
    if (!answer.ok) { throw new Error("signin"); }
    window.location.assign(answer.data.redirect);
  } catch {
    say(panel, text(panel, "Failed"));
  }
}

const supported = typeof window.PublicKeyCredential === "function";
for (const panel of document.querySelectorAll("[data-passkey-register]")) {
  const noscript = panel.querySelector(".passkey-noscript");
  if (noscript) { noscript.hidden = true; }
  if (!supported) { continue; }
  panel.querySelector(".passkey-add").hidden = false;
  panel.querySelector(".passkey-create").addEventListener("click", () => register(panel));
}
for (const panel of document.querySelectorAll("[data-passkey-signin]")) {
  if (!supported) { panel.hidden = true; continue; }
  panel.querySelector(".passkey-use").addEventListener("click", () => signIn(panel));
}
