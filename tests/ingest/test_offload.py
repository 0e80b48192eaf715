"""A generator run in a child process gives what it gives in process, and its failures arrive here."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from app.ingest.offload import ChildDied, iterate_in_child
from app.ingest.readers import EmptyFileError


def squares(count: int, fail_at: int | None = None) -> Iterator[tuple[int, list[int]]]:
    for i in range(count):
        if i == fail_at:
            raise EmptyFileError("no rows", message_id="Berkas kosong.", detail={"at": i})
        yield i, [i * i] * 1000


def own_pid_then_wait() -> Iterator[int]:
    yield os.getpid()
    time.sleep(60)
    yield 0


def test_items_arrive_in_order_and_complete() -> None:
    assert list(iterate_in_child(squares, 50)) == list(squares(50))


def test_the_childs_exception_is_raised_here_with_its_details() -> None:
    items = iterate_in_child(squares, 10, 3)
    assert [next(items)[0] for _ in range(3)] == [0, 1, 2]
    with pytest.raises(EmptyFileError) as raised:
        next(items)
    assert (raised.value.message, raised.value.message_id, dict(raised.value.detail)) == (
        "no rows",
        "Berkas kosong.",
        {"at": 3},
    )


def test_a_child_that_dies_is_reported() -> None:
    items = iterate_in_child(own_pid_then_wait)
    pid = next(items)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(ChildDied, match="exit code -9"):
        next(items)


def test_closing_early_stops_the_child() -> None:
    items = iterate_in_child(own_pid_then_wait)
    pid = next(items)
    items.close()
    with pytest.raises(ProcessLookupError):  # killed and reaped
        os.kill(pid, 0)
