"""The rehearsal clock (POLICYBOT_CLOCK_FILE): once the file has changed, no thread reads the time with the old
offset, even while another thread is still reading the new one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FileClock


def test_a_thread_never_sees_the_new_file_with_the_old_offset(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.clock"
    path.write_text("0\n")
    clock = FileClock(str(path))
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)

    path.write_text(f"{7 * 86400}\n")  # a week later
    reading, go_on = threading.Event(), threading.Event()
    real_read = clock._read

    def slow_read() -> timedelta:  # the first reader is held half way through reading the new offset
        reading.set()
        go_on.wait(5)
        return real_read()

    clock._read = slow_read  # type: ignore[method-assign]
    first: list[datetime] = []
    reader = threading.Thread(target=lambda: first.append(clock()))
    reader.start()
    assert reading.wait(5)
    second: list[datetime] = []
    other = threading.Thread(target=lambda: second.append(clock()))  # the nudger, meanwhile
    other.start()
    other.join(0.2)
    go_on.set()
    reader.join(5)
    other.join(5)
    week = datetime.now(UTC) + timedelta(days=7)
    assert abs(first[0] - week) < timedelta(minutes=1) and abs(second[0] - week) < timedelta(minutes=1)


def test_a_missing_or_unreadable_file_is_the_real_time(tmp_path: Path) -> None:
    clock = FileClock(str(tmp_path / "none"))
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)
    (tmp_path / "none").write_text("soon")
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)
