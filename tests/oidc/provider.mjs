// A real OpenID Connect provider (oidc-provider, OpenID Certified) for the tests of
// sign-in through a municipality's identity provider (tests/community/test_oidc.py).
//
// Environment: PORT, REDIRECT_URI, POST_LOGOUT_REDIRECT_URI, ACCOUNTS_FILE (JSON:
// login -> claims, read on every request; unknown logins get {email: login}), and
// optionally KEYS_FILE (JSON {keys: [private JWKs], hidden: [kids]}, read at start: the
// first key signs; hidden kids are left out of the published JWKS, as a key the
// platform cannot know). Without it, one new key per start.
// Clients: "lotsennetz" (the platform), "lotsennetz-short" (ID tokens valid 1 second),
// "other-app" (another application of the same provider: a foreign audience).
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";

import Provider from "oidc-provider";

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const redirectUri = process.env.REDIRECT_URI;
const postLogout = process.env.POST_LOGOUT_REDIRECT_URI;

function accounts() {
  try {
    return JSON.parse(readFileSync(process.env.ACCOUNTS_FILE, "utf8"));
  } catch {
    return {};
  }
}

function client(clientId) {
  return {
    client_id: clientId,
    client_secret: `${clientId}-secret`,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogout],
    response_types: ["code"],
    grant_types: ["authorization_code"],
    token_endpoint_auth_method: "client_secret_basic",
  };
}

function signingKeys() {
  if (process.env.KEYS_FILE) {
    const { keys, hidden = [] } = JSON.parse(readFileSync(process.env.KEYS_FILE, "utf8"));
    return { keys, hidden };
  }
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = { ...privateKey.export({ format: "jwk" }), kid: `k-${port}`, use: "sig", alg: "RS256" };
  return { keys: [key], hidden: [] };
}

const { keys, hidden } = signingKeys();

const provider = new Provider(issuer, {
  clients: [client("lotsennetz"), client("lotsennetz-short"), client("other-app")],
  jwks: { keys },
  cookies: { keys: ["test-only-cookie-key"] },
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "department"],
  },
  ttl: {
    IdToken: (ctx, token, c) => (c.clientId === "lotsennetz-short" ? 1 : 3600),
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const claims = { email: id, ...(accounts()[id] || {}) };
    return {
      accountId: id,
      async claims() {
        return { sub: claims.sub || id, ...claims };
      },
    };
  },
});
provider.proxy = false;
if (hidden.length) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === "/jwks" && ctx.body && Array.isArray(ctx.body.keys)) {
      ctx.body = { keys: ctx.body.keys.filter((key) => !hidden.includes(key.kid)) };
    }
  });
}
provider.on("server_error", (ctx, err) => console.error("server_error", err));
provider.listen(port, "127.0.0.1", () => console.log(`listening ${issuer}`));
