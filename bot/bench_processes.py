"""The processes behind `rollcall bench inbound`: the app under uvicorn, each process on a port
of its own, a stand-in for Twilio's API so that no reply leaves the machine, and what the
processes cost (CPU time and peak memory, read from /proc on Linux)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PUBLIC_URL = "https://rollcall.bench.invalid"
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "bench-auth-token-" + "0" * 15


def server_app():  # type: ignore[no-untyped-def]
    """uvicorn's factory in each server process: the app on settings from the environment."""
    from bot.app import create_app
    from core.settings import Settings

    return create_app(Settings())


@contextmanager
def fake_twilio() -> Iterator[str]:
    """A stand-in for Twilio's API that accepts every message, so replies never leave."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued"}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def servers(count: int, database_url: str, twilio_api: str, folder: Path
            ) -> Iterator[list[tuple[int, subprocess.Popen[bytes]]]]:
    """`count` uvicorn processes serving the app, each on its own port, once they answer."""
    env = os.environ | {
        "ROLLCALL_DATABASE_URL": database_url, "ROLLCALL_CHANNELS": "sms",
        "ROLLCALL_PUBLIC_URL": PUBLIC_URL, "ROLLCALL_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "ROLLCALL_TWILIO_AUTH_TOKEN": AUTH_TOKEN, "ROLLCALL_TWILIO_FROM": "+447700900600",
        "ROLLCALL_TWILIO_API_BASE": twilio_api, "ROLLCALL_MIGRATE_ON_START": "false",
        "ROLLCALL_TICK": "false", "ROLLCALL_OUTBOX_IN_WEB": "false",
        "ROLLCALL_LOG_LEVEL": "WARNING"}
    started: list[tuple[int, subprocess.Popen[bytes]]] = []
    with ExitStack() as stack:
        for n in range(count):
            port = _free_port()
            log = stack.enter_context((folder / f"server-{n}.log").open("wb"))
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "bot.bench_processes:server_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                 "--no-access-log"], env=env, cwd=folder, stdout=log, stderr=log)
            stack.callback(_stop, process)
            started.append((port, process))
        for port, process in started:
            _wait_until_up(port, process, folder)
        yield started


def _wait_until_up(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = "\n".join(p.read_text()[-2000:] for p in folder.glob("server-*.log"))
            raise RuntimeError(f"a server process stopped at start-up:\n{logs}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("a server process did not start within a minute")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def peak_mb(pids: list[int]) -> float:
    """The processes' peak resident memory (VmHWM) summed, in MB (0 where /proc is absent)."""
    total = 0.0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines()
                       if line.startswith("VmHWM:")), 0) / 1024
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far (0 where /proc is absent)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")
