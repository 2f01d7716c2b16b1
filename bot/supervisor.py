"""HTTP mode's processes: gunicorn's workers answer Slack, and one background process beside them sends the outbox
(bot.delivery), runs the nudge pass and the reminders (bot.nudges) and hands over old records (bot.jobs).

Why two: one Python process runs one thread at a time. With the sender in the workers, the next request's ack waited
behind the last click's Slack calls; in a process of its own the sender uses the other core and the worker only
answers and writes. A worker that has put something in the outbox, or stored a due time, rings the bell (a pipe) so
that the background process acts at once; the background process publishes when its sender last finished a pass, in
shared memory, for the workers' /healthz.

The supervisor (the process `policybot serve --http` starts) forks both before any thread or connection exists,
passes SIGTERM and SIGINT on, and when either child ends on its own stops the other and exits non-zero, so that a
service manager restarts the whole bot rather than leave it answering without sending.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

log = logging.getLogger(__name__)

SEND = b"s"  # something is in the outbox: send it now
ARM = b"n"  # a due time was stored: make sure the nudge pass wakes for it
STOP_SECONDS = 15  # a child asked to stop is killed after this
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class Bell:
    """The workers' way to wake the background process, and its way to tell them when it last sent."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._pass_at = multiprocessing.get_context("fork").RawValue("d", 0.0)

    def ring(self, what: bytes, school: str | None = None) -> None:
        """`school`: a trust's school's key, so that only its sender (or nudge pass) wakes; None: the one school."""
        try:
            os.write(self._write, what + (school or "").encode() + b"\n")  # one short write: never interleaved
        except BlockingIOError:  # a full pipe: the background process has not read yet, and will wake for these
            pass

    def listen(self, send: Callable[[str | None], None], arm: Callable[[str | None], None]) -> threading.Thread:
        """In the background process: act on each ring (once per school however often it rang meanwhile), on a
        thread of its own."""

        def loop() -> None:
            pending = b""
            while data := os.read(self._read, 4096):
                *lines, pending = (pending + data).split(b"\n")
                rung = dict.fromkeys(line for line in lines if line[:1] in (SEND, ARM))
                for line in rung:
                    act = send if line[:1] == SEND else arm
                    try:
                        act(line[1:].decode() or None)
                    except Exception as error:  # noqa: BLE001 - a database hiccup must not silence the bell
                        log.error("the bell's %s failed: %s", getattr(act, "__name__", "call"), type(error).__name__)

        thread = threading.Thread(target=loop, name="policybot-bell", daemon=True)
        thread.start()
        return thread

    def passed(self, at: datetime) -> None:
        self._pass_at.value = at.timestamp()

    def last_pass_at(self) -> datetime | None:
        value = self._pass_at.value
        return datetime.fromtimestamp(value, UTC) if value else None


def supervise(background: Callable[[threading.Event], None], web: Callable[[], None]) -> int:
    """Fork the background process and the web server; return when both have ended, 0 when asked to stop.
    `background` is given an event that is set when it must stop (it may wait with `wait_until_stopped`)."""
    stop = threading.Event()
    children = {_fork(lambda: _quiet_background(background, stop), "background"): "background"}
    children[_fork(web, "web")] = "web"

    def stop_all() -> None:
        stop.set()
        _signal_all(children, signal.SIGTERM)
        threading.Thread(target=_kill_later, args=(children,), daemon=True).start()

    signal.signal(signal.SIGTERM, lambda *_: stop_all())
    signal.signal(signal.SIGINT, lambda *_: stop_all())
    code = 0
    while children:
        pid, status = os.waitpid(-1, 0)
        name = children.pop(pid, None)
        if name is not None and not stop.is_set():
            log.error("the %s process ended (status %d): stopping the bot", name, os.waitstatus_to_exitcode(status))
            code = 1
            stop_all()
    return code


def wait_until_stopped(stop: threading.Event) -> None:
    """In the background process: until SIGTERM, or until the supervisor is gone (killed on its own)."""
    parent = os.getppid()
    while not stop.wait(1):
        if os.getppid() != parent:
            log.error("the supervisor is gone: the background process stops")
            return


def _quiet_background(background: Callable[[threading.Event], None], stop: threading.Event) -> None:
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the supervisor passes it on
    background(stop)


def _fork(body: Callable[[], None], name: str) -> int:
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        _end_with(parent)
        body()
        code = 0
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
    except BaseException as error:  # noqa: BLE001 - a child must never run on into the supervisor's code
        log.error("the %s process failed: %s", name, type(error).__name__)
    finally:
        logging.shutdown()
        os._exit(code)


def _end_with(parent: int) -> None:
    """Linux: this child is sent SIGTERM when the supervisor ends, even by SIGKILL (prctl PR_SET_PDEATHSIG), so
    that gunicorn never goes on answering with nobody sending."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the background process still watches for it (wait_until_stopped)
        return
    if os.getppid() != parent:  # the supervisor ended before that took effect
        raise SystemExit(1)


def _signal_all(children: dict[int, str], signum: int) -> None:
    for pid in children:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def _kill_later(children: dict[int, str]) -> None:
    time.sleep(STOP_SECONDS)
    _signal_all(children, signal.SIGKILL)
