"""What docs/deploy/ claims and this machine can check: configs parse, names exist."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "docs" / "deploy"
GUIDE = (DEPLOY / "README.md").read_text(encoding="utf-8")
UNIT = (DEPLOY / "lotsennetz-daphne@.service").read_text(encoding="utf-8")
ENV_EXAMPLE = (DEPLOY / "env.example").read_text(encoding="utf-8")
NGINX_CONF = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
SETTINGS_SOURCE = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")


def env_example() -> dict[str, str]:
    """NAME=value lines as systemd's EnvironmentFile= reads them (quotes stripped)."""
    values = {}
    for line in ENV_EXAMPLE.splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            name, value = match.groups()
            values[name] = shlex.split(value)[0] if value.strip() else ""
    return values


def variables_read_by_settings() -> set[str]:
    return set(
        re.findall(
            r'(?:os\.environ\.get|env_bool|env_int|env_list|env_days_by_kind)\(\s*"([A-Z][A-Z0-9_]*)"',
            SETTINGS_SOURCE,
        )
    )


def test_every_variable_of_env_example_is_read_by_the_settings():
    documented = set(env_example())
    assert len(documented) > 20
    assert documented <= variables_read_by_settings(), documented - variables_read_by_settings()


def test_every_production_setting_is_explained_in_env_example():
    missing = variables_read_by_settings() - set(env_example())
    assert not missing, f"in config/settings.py, but not in docs/deploy/env.example: {missing}"


def test_the_settings_start_with_the_values_of_env_example(tmp_path):
    """The example, with its placeholders, is a configuration Django accepts (DEBUG off)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(env_example())
    env.update(
        SECRET_KEY="x" * 60,  # the placeholder is refused on purpose, as the guide says
        STATIC_ROOT=str(tmp_path / "static"),
        LOTSENNETZ_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.LOG_FORMAT, s.CHAT_RETENTION_DAYS_BY_KIND['direct'], "
        "s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "json",
        "90",
        "django.db.backends.postgresql",
        "core.channel_layer.RedisChannelLayer",
    ]


def unit_value(key: str) -> list[str]:
    return re.findall(rf"^{key}=(.*)$", UNIT, flags=re.M)


def test_the_systemd_unit_runs_a_valid_daphne_command_line():
    from daphne.cli import CommandLineInterface

    (exec_start,) = unit_value("ExecStart")
    argv = shlex.split(exec_start.replace("%i", "8001"))
    assert argv[0] == "/srv/lotsennetz/.venv/bin/daphne"
    args = CommandLineInterface().parser.parse_args(argv[1:])
    assert (args.host, args.port, args.proxy_headers) == ("127.0.0.1", 8001, True)
    assert args.application == "config.asgi:application"
    # A join storm (2,000 sockets in 10 s) must not have daphne give up on handshakes
    # the application is still working on after its default 5 s (docs/performance.md).
    assert args.websocket_connect_timeout >= 30
    module, attribute = args.application.split(":")
    __import__(module)
    assert callable(getattr(sys.modules[module], attribute))


def test_the_systemd_unit_agrees_with_the_guide_and_env_example():
    assert unit_value("EnvironmentFile") == ["/etc/lotsennetz/env"]
    assert unit_value("WorkingDirectory") == ["/srv/lotsennetz"]
    assert "-" + env_example()["LOTSENNETZ_VAR_DIR"] in unit_value("ReadWritePaths")
    ports = re.findall(r"server 127\.0\.0\.1:(\d+)", NGINX_CONF)
    assert ports == ["8001", "8002", "8003", "8004"]
    for port in ports:
        assert f"lotsennetz-daphne@{port}" in GUIDE
    assert env_example()["STATIC_ROOT"].rstrip("/") + "/" in NGINX_CONF


def require_tool(name: str, path: str | None, hint: str) -> str:
    """A tool .ci/run provides: skipped on a newcomer's machine without it, never under CI."""
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required under CI ({hint})")
    pytest.skip(f"{name} missing ({hint}); allowed outside CI only")


def test_the_systemd_unit_passes_systemd_analyze(tmp_path):
    require_tool("systemd-analyze", shutil.which("systemd-analyze"), "package systemd")
    unit = tmp_path / "lotsennetz-daphne@.service"
    # verify checks that ExecStart's binary exists: point it at this checkout's daphne.
    daphne = Path(sys.executable).parent / "daphne"
    unit.write_text(UNIT.replace("/srv/lotsennetz/.venv/bin/daphne", str(daphne)), encoding="utf-8")
    instance = tmp_path / "lotsennetz-daphne@8001.service"
    instance.symlink_to(unit)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(instance)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Unknown" not in output and "Invalid" not in output, output


def test_the_nginx_site_passes_nginx_t(tmp_path):
    """The site inside a minimal nginx.conf, with a throwaway certificate and a scratch prefix."""
    sbin = Path("/usr/sbin/nginx")
    nginx = require_tool(
        "nginx",
        shutil.which("nginx") or (str(sbin) if sbin.exists() else None),
        "apt-get install nginx-light",
    )
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=lotsennetz.example.de",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = NGINX_CONF.replace("/etc/ssl/lotsennetz/fullchain.pem", str(cert)).replace(
        "/etc/ssl/lotsennetz/privkey.pem", str(key)
    )
    # Unprivileged: the listen ports are only parsed by "nginx -t", never bound.
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    mime = "/etc/nginx/mime.types"
    (tmp_path / "nginx.conf").write_text(
        f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    {"include " + mime + ";" if Path(mime).exists() else ""}
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
""",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert "[warn]" not in result.stderr.replace('the "user" directive', ""), result.stderr


def test_the_nginx_site_passes_websockets_and_the_request_id():
    websocket = NGINX_CONF.split("location /ws/")[1].split("location")[0]
    assert "proxy_set_header Upgrade $http_upgrade;" in websocket
    assert 'proxy_set_header Connection "upgrade";' in websocket
    assert NGINX_CONF.count("proxy_set_header X-Request-ID $request_id;") == 3
    assert "location = /healthz" in NGINX_CONF
    assert "return 301 https://" in NGINX_CONF


def code_in(markdown: str) -> str:
    """Fenced blocks and inline code: where commands are, not prose."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", markdown, flags=re.S)
    prose = re.sub(r"```.*?```", "", markdown, flags=re.S)
    return "\n".join(blocks + re.findall(r"`([^`\n]+)`", prose))


def commands_named_in_the_guide() -> set[str]:
    text = code_in(GUIDE) + code_in((ROOT / "README.md").read_text(encoding="utf-8"))
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)  # comments are prose too
    return set(re.findall(r"(?:lotsennetz-manage|manage\.py)[ \t]+([a-z_]+)", text))


def test_every_management_command_named_in_the_guide_exists():
    named = commands_named_in_the_guide()
    assert {"migrate", "purge_chat_history", "send_event_reminders"} <= named
    missing = named - set(get_commands())
    assert not missing, missing


def test_the_tests_the_guide_points_to_exist():
    for path, name in re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", GUIDE):
        source = (ROOT / path).read_text(encoding="utf-8")
        if name:
            assert f"def {name}(" in source, f"{path}::{name}"


JOBS_UNIT = (DEPLOY / "lotsennetz-notification-jobs.service").read_text(encoding="utf-8")


def test_the_notification_jobs_unit_runs_the_sweeper_command_of_the_guide():
    (exec_start,) = re.findall(r"^ExecStart=(.*)$", JOBS_UNIT, flags=re.M)
    argv = shlex.split(exec_start)
    assert argv[:2] == ["/srv/lotsennetz/.venv/bin/python", "/srv/lotsennetz/manage.py"]
    assert argv[2] == "run_notification_jobs" and argv[2] in get_commands()
    assert "--once" not in argv  # the service loops; cron passes --once
    assert "lotsennetz-notification-jobs" in GUIDE
    assert "EnvironmentFile=/etc/lotsennetz/env" in JOBS_UNIT


def test_the_notification_jobs_unit_passes_systemd_analyze(tmp_path):
    require_tool("systemd-analyze", shutil.which("systemd-analyze"), "package systemd")
    unit = tmp_path / "lotsennetz-notification-jobs.service"
    python = Path(sys.executable)
    unit.write_text(
        JOBS_UNIT.replace("/srv/lotsennetz/.venv/bin/python", str(python)), encoding="utf-8"
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Unknown" not in output and "Invalid" not in output, output
