"""The tests' real OpenID Connect provider (oidc-provider on Node, tests/oidc/provider.mjs).

Used by tests/community/test_oidc.py and the browser tests of the sign-in through a
municipality's identity provider.
"""

import contextlib
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import require_service
from tests.servers import free_port

OIDC_DIR = Path(__file__).resolve().parent / "oidc"


def node_ready() -> str:
    """The node binary with oidc-provider installed (npm ci on first use)."""
    node = shutil.which("node")
    require_service("node", node is not None)
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=OIDC_DIR,
            check=True,
            capture_output=True,
        )
    return node


def signing_key(kid: str) -> dict:
    """A new RSA signing key as a private JWK (for KEYS_FILE)."""
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
    return key.as_dict(private=True)


def write_keys(path: Path, keys: list[dict], *, hidden: tuple[str, ...] = ()) -> None:
    """The provider signs with the first key; ``hidden`` kids are left out of its JWKS."""
    path.write_text(json.dumps({"keys": keys, "hidden": list(hidden)}))


@contextlib.contextmanager
def oidc_provider(
    *,
    redirect_uri: str,
    post_logout_redirect_uri: str,
    accounts_file: Path,
    keys_file: Path | None = None,
    port: int | None = None,
):
    """Run the provider until the block ends; yield its issuer URL."""
    node = node_ready()
    port = port or free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "PORT": str(port),
        "REDIRECT_URI": redirect_uri,
        "POST_LOGOUT_REDIRECT_URI": post_logout_redirect_uri,
        "ACCOUNTS_FILE": str(accounts_file),
    }
    if keys_file is not None:
        env["KEYS_FILE"] = str(keys_file)
    process = subprocess.Popen(
        [node, "provider.mjs"],
        cwd=OIDC_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(100):
            if process.poll() is not None:
                pytest.fail("the OpenID Connect test provider exited early")
            try:
                requests.get(url + "/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
