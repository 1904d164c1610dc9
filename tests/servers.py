"""Real daphne processes for tests that cross process boundaries."""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, **env_overrides) -> subprocess.CompletedProcess:
    """Run Python code in a fresh process with this environment, changed by
    ``env_overrides`` (None removes a variable; DEBUG and the settings module go)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY"}}
    env.pop("DEBUG", None)
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_environment(**extra: str) -> dict[str, str]:
    """The environment of this test run, pointed at the test database."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    env["LOTSENNETZ_CHILD_DATABASE_NAME"] = str(connection.settings_dict["NAME"])
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@contextlib.contextmanager
def daphne(port: int | None = None, **extra_env: str):
    """Run ``config.asgi:application`` under daphne; yield its base URL."""
    port = port or free_port()
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / f"daphne-{port}.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--websocket-max-message-size",
            "65536",
            "config.asgi:application",
        ],
        cwd=ROOT,
        env=child_environment(**extra_env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"daphne exited early:\n{log.read()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("daphne did not start within 30 s")
            time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.seek(0)
        output = log.read()
        log.close()
        if "Traceback" in output:
            sys.stderr.write(output)


NGINX_SITE = ROOT / "docs" / "deploy" / "nginx.conf"


def nginx_binary() -> str | None:
    sbin = Path("/usr/sbin/nginx")
    return shutil.which("nginx") or (str(sbin) if sbin.exists() else None)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "fullchain.pem", directory / "privkey.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=lotsennetz.example.de", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def nginx_main_config(directory: Path, site: str, *, extra_http: str = "") -> Path:
    """A minimal nginx.conf around ``site`` with every path in ``directory``."""
    (directory / "site.conf").write_text(site, encoding="utf-8")
    mime = "/etc/nginx/mime.types"
    # As root, nginx's workers would become "nobody", who cannot read a test's files.
    user = "user root;" if os.geteuid() == 0 else ""
    config = directory / "nginx.conf"
    config.write_text(
        f"""
{user}
pid {directory}/nginx.pid;
error_log {directory}/error.log;
worker_processes 1;
events {{}}
http {{
    {"include " + mime + ";" if Path(mime).exists() else ""}
    access_log {directory}/access.log;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    {extra_http}
    include {directory}/site.conf;
}}
""",
        encoding="utf-8",
    )
    return config


def deploy_site(
    directory: Path, *, daphne_address: str, port: int, files_root: Path, static_root: Path
) -> str:
    """docs/deploy/nginx.conf as it is, pointed at this machine: one daphne
    upstream, HTTPS on ``port`` with a throwaway certificate, the given roots."""
    cert, key = self_signed_certificate(directory)
    site = NGINX_SITE.read_text(encoding="utf-8")
    site = re.sub(r"(?m)^\s*server 127\.0\.0\.1:800[2-4] .*\n", "", site)
    site = re.sub(r"server 127\.0\.0\.1:8001 ", f"server {daphne_address} ", site)
    site = re.sub(r"(?m)^\s*listen \[::\]:.*\n", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{port} ssl;")
    site = site.replace("/etc/ssl/lotsennetz/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/lotsennetz/privkey.pem", str(key))
    site = site.replace("/srv/lotsennetz/var/files/", f"{files_root}/")
    site = site.replace("/srv/lotsennetz/staticfiles/", f"{static_root}/")
    assert f"alias {files_root}/;" in site, "the internal location /_dateien/ is missing"
    return site


@contextlib.contextmanager
def nginx(config: Path, port: int):
    """Run nginx in the foreground with ``config`` until it listens on ``port``."""
    binary = nginx_binary()
    assert binary, "nginx is not installed"
    process = subprocess.Popen(
        [binary, "-p", str(config.parent), "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited early:\n{process.stderr.read()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start within 30 s")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
