"""Any connection outside this machine fails the test: the fakes are the only providers."""

from __future__ import annotations

import socket

import pytest

LOCAL = {"127.0.0.1", "::1", "localhost"}


def refuse_outside_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a connection to anything but 127.0.0.1 raise instead of leaving the machine."""
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if host not in LOCAL:
                raise AssertionError(f"test tried to reach {address!r} over the network")

    def guarded(sock: socket.socket, address: object) -> None:
        check(sock, address)
        connect(sock, address)  # type: ignore[arg-type]

    def guarded_ex(sock: socket.socket, address: object) -> int:
        check(sock, address)
        return connect_ex(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)
