// ESLint for the browser scripts (static/js): plain ES modules, no build step.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "staticfiles/", "var/", ".venv/", "tests/browser/node_modules/", "tests/oidc/node_modules/", "htmlcov/"] },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
  },
  {
    // The service worker: a classic script in the worker's scope (core/webapp.py
    // puts the LOTSENNETZ settings before it).
    files: ["static/js/sw.js"],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.serviceworker, LOTSENNETZ: "readonly" },
    },
  },
  {
    // Node scripts: this file, and the OpenID Connect provider the tests start.
    files: ["eslint.config.js", "tests/oidc/**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } },
  },
];
