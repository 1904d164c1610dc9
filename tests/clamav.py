"""A real clamd for CI and the tests, with a signature database that knows only EICAR.

There is no network for freshclam here, so `sigtool --hex-dump` turns the
standard EICAR test string into a body signature (an .ndb line) in a database
of our own; clamd loads it like any other. The configuration is
`.ci/clamd.conf`. Two ways to start it:

- `.ci/run`: `python3 tests/clamav.py start` (standard library only: it runs
  before the virtual environment exists) starts clamd in the background under
  /tmp/lotsennetz-clamav and prints the socket for CLAMAV_SOCKET;
  `python3 tests/clamav.py stop` ends it.
- a test session without CLAMAV_SOCKET: the fixture ``clamav_socket``
  (tests/conftest.py) starts clamd for the session in a directory of its own,
  if clamd is installed. Tests skip without clamd only outside CI; under CI
  they fail.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".ci" / "clamd.conf"
CONFIG_DIRECTORY = "/tmp/lotsennetz-clamav"  # the directory named in .ci/clamd.conf
SIGNATURE_NAME = "Lotsennetz.Test.EICAR"

# The EICAR anti-virus test file (https://www.eicar.org), in two halves so that
# no scanner flags this source file itself.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def clamd_binary() -> str | None:
    return shutil.which("clamd") or next(
        (p for p in ("/usr/sbin/clamd", "/usr/local/sbin/clamd") if os.access(p, os.X_OK)), None
    )


def write_database(directory: Path) -> Path:
    """An .ndb body signature: the EICAR string at offset 0 of any file type."""
    sigtool = shutil.which("sigtool") or "/usr/bin/sigtool"
    hexdump = (
        subprocess.run(
            [sigtool, "--hex-dump"], input=EICAR, capture_output=True, check=True, timeout=30
        )
        .stdout.decode()
        .strip()
    )
    database = directory / "db"
    database.mkdir(parents=True, exist_ok=True)
    path = database / "lotsennetz-test.ndb"
    path.write_text(f"{SIGNATURE_NAME}:0:0:{hexdump}\n", encoding="ascii")
    return path


def write_config(directory: Path, *, foreground: bool) -> Path:
    """.ci/clamd.conf with its directory moved to ``directory``."""
    text = CONFIG.read_text(encoding="utf-8").replace(CONFIG_DIRECTORY, str(directory))
    if foreground:
        text = text.replace("\nForeground no\n", "\nForeground yes\n")
    path = directory / "clamd.conf"
    path.write_text(text, encoding="utf-8")
    return path


def ping(path: str, timeout: float = 2.0) -> bool:
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        sock.sendall(b"zPING\0")
        return sock.recv(16) == b"PONG\0"
    return False


def wait_until_ready(path: str, process: subprocess.Popen | None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not ping(path, timeout=1):
        if process is not None and process.poll() is not None and process.returncode != 0:
            raise RuntimeError(f"clamd exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"clamd did not answer on {path} within {seconds:.0f} s")
        time.sleep(0.05)


@contextlib.contextmanager
def running_clamd():
    """clamd in the foreground in a scratch directory; yields its socket path."""
    binary = clamd_binary()
    assert binary, "clamd is not installed"
    # AF_UNIX paths are limited to 107 bytes: a short directory of its own.
    directory = Path(tempfile.mkdtemp(prefix="clamd-"))
    try:
        write_database(directory)
        config = write_config(directory, foreground=True)
        log = directory / "clamd.log"
        process = subprocess.Popen(
            [binary, f"--config-file={config}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            socket_path = str(directory / "clamd.sock")
            try:
                wait_until_ready(socket_path, process)
            except RuntimeError as error:
                raise RuntimeError(f"{error}\n{log.read_text(errors='replace')}") from None
            yield socket_path
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def start_for_ci() -> str:
    """clamd in the background as .ci/clamd.conf says; returns the socket path."""
    binary = clamd_binary()
    if not binary:
        raise SystemExit("clamd is not installed (apt-get install clamav-daemon)")
    directory = Path(CONFIG_DIRECTORY)
    socket_path = str(directory / "clamd.sock")
    if ping(socket_path):
        return socket_path
    directory.mkdir(parents=True, exist_ok=True)
    write_database(directory)
    # Foreground no: clamd forks into the background once its database is loaded.
    subprocess.run([binary, f"--config-file={CONFIG}"], check=True, timeout=120)
    wait_until_ready(socket_path, None)
    return socket_path


def stop_for_ci() -> None:
    pid_file = Path(CONFIG_DIRECTORY) / "clamd.pid"
    with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
        os.kill(int(pid_file.read_text().strip()), 15)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "start"
    if command == "start":
        print(start_for_ci())
    elif command == "stop":
        stop_for_ci()
    else:
        raise SystemExit("usage: python3 tests/clamav.py [start|stop]")
