"""The bell between HTTP mode's workers and its background process (bot/supervisor.py), without forking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from bot.supervisor import ARM, SEND, Bell


def test_each_kind_of_ring_wakes_what_it_names() -> None:
    bell = Bell()
    sent, armed = threading.Event(), threading.Event()
    calls: list[str] = []
    bell.listen(
        lambda key: (calls.append(f"send {key}"), sent.set()), lambda key: (calls.append(f"arm {key}"), armed.set())
    )
    bell.ring(SEND)
    assert sent.wait(5) and not armed.is_set()
    bell.ring(ARM, "north")
    assert armed.wait(5) and calls == ["send None", "arm north"]


def test_a_trusts_schools_rings_wake_each_school_once() -> None:
    bell = Bell()
    woken: list[str | None] = []
    done = threading.Event()
    for key in ("north", "south", "north", "north"):
        bell.ring(SEND, key)
    bell.ring(ARM, "last")  # the listener starts after these: they are read in one go
    bell.listen(woken.append, lambda key: done.set())
    assert done.wait(5) and woken == ["north", "south"]


def test_a_ring_never_blocks_a_worker_when_nobody_is_listening() -> None:
    bell = Bell()
    for _ in range(200_000):  # far past a pipe's buffer: a stuck background process must not stall an ack
        bell.ring(SEND)


def test_the_last_pass_is_shared_and_unknown_until_the_first() -> None:
    bell = Bell()
    assert bell.last_pass_at() is None
    at = datetime(2026, 12, 3, 9, 0, 0, 250000, tzinfo=UTC)
    bell.passed(at)
    assert bell.last_pass_at() == at


def test_a_failure_behind_the_bell_does_not_silence_it() -> None:
    bell = Bell()
    sent = threading.Event()
    tries: list[str] = []

    def arm() -> None:
        tries.append("arm")
        raise RuntimeError("the database is away")

    armed = threading.Event()

    def failing_arm(key: str | None) -> None:
        armed.set()
        arm()

    bell.listen(lambda key: (tries.append("send"), sent.set()), failing_arm)
    bell.ring(ARM)
    assert armed.wait(5)
    bell.ring(SEND)  # rung after the failure: the bell's thread is still listening
    assert sent.wait(5) and tries == ["arm", "send"]
