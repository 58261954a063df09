"""The ports the integration tests give their stacks: picked when a module is collected and
bound minutes later, so they must stay clear of the ports the kernel hands client sockets."""

from __future__ import annotations

import itertools
import socket
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stack_runner  # noqa: E402
from stack_runner import ephemeral_low, free_port  # noqa: E402


def test_ports_are_below_the_client_range_and_never_repeat() -> None:
    ports = [free_port() for _ in range(200)] + [free_port(socket.SOCK_DGRAM) for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(10000 <= port < ephemeral_low() for port in ports)


def test_the_benches_and_browser_tests_fixed_ports_are_never_handed_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fixed = [int(port) for port in stack_runner.BENCH_PORTS.values()] + [27880, 27882, 28000]
    picks = itertools.chain(fixed, range(25000, 26000))
    monkeypatch.setattr(stack_runner, "ephemeral_low", lambda: 65000)
    monkeypatch.setattr(stack_runner.random, "randrange", lambda low, high: next(picks))
    assert 25000 <= free_port() < 26000


def test_a_port_in_use_is_not_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        taken = held.getsockname()[1]
        picks = itertools.chain([taken, taken], range(20000, 30000))
        monkeypatch.setattr(stack_runner, "ephemeral_low", lambda: 65000)
        monkeypatch.setattr(stack_runner.random, "randrange", lambda low, high: next(picks))
        assert 20000 <= free_port() < 30000


def test_the_client_range_is_read_from_the_kernel(tmp_path: Path) -> None:
    setting = tmp_path / "ip_local_port_range"
    setting.write_text("40000\t60999\n")
    assert ephemeral_low(setting) == 40000
    assert ephemeral_low(tmp_path / "missing") == 32768
