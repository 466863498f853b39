"""The README's quick start: `rollcall serve --demo` brings up a working bot on SQLite."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROLLCALL = Path(sys.executable).parent / "rollcall"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_demo_runs_the_bot_with_the_demo_school(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROLLCALL_")}
    server = subprocess.Popen([str(ROLLCALL), "serve", "--demo", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        health = wait_for(f"http://127.0.0.1:{port}/healthz")
        assert health.json() == {"status": "ok", "database": "ok"}
        assert "1 school set up" in httpx.get(f"http://127.0.0.1:{port}/").text
        assert (tmp_path / "rollcall.db").exists()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert "Demo school created: Oakfield Primary (demo)" in output
