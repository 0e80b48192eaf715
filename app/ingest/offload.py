"""Run a generator in a child process and stream its items back, so reading a file overlaps storing it.

Python runs one thread at a time. Storing a big file into SQLite is two CPU-bound halves in one process:
reading and validating the rows, and SQLite's inserts. A thread cannot overlap them (both need the GIL for
every row); a child process can, on a second core.

The child is a fresh interpreter (``python -m app.ingest.offload``), not a fork: a web or worker process
has threads, and a fork could copy a lock one of them holds. (``multiprocessing``'s forkserver and spawn
avoid that too, but run the parent's ``__main__`` again in the child.) The function and its arguments go
in on stdin, its items come back on stdout, each pickled; pickle is safe here because both ends are this
program. The pipe holds one item at a time, so the child waits while the parent stores, and memory stays
bounded by about two chunks. If the parent dies, the child's next write fails and it exits; if the child
dies, the parent gets :class:`ChildDied`.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")

_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])


class ChildDied(RuntimeError):
    """The child process ended without finishing its generator or reporting an error."""


def iterate_in_child(function: Callable[..., Iterator[T]], *args: Any) -> Iterator[T]:
    """Yield what ``function(*args)`` yields, computed in a child process; its exceptions are raised here.

    ``function`` must be importable by name (a module-level function) and its arguments, items and
    exceptions picklable. Closing the iterator early stops the child.
    """
    path = os.pathsep.join(filter(None, [_PROJECT_ROOT, os.environ.get("PYTHONPATH")]))
    child = subprocess.Popen(
        [sys.executable, "-m", __name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        with child.stdin:
            pickle.dump((function, args), child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        while True:
            try:
                kind, value = pickle.load(child.stdout)
            except EOFError:
                child.wait()
                raise ChildDied(f"the reading process ended with exit code {child.returncode}") from None
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        child.stdout.close()
        if child.poll() is None:
            child.kill()
        child.wait()


def _serve(source: BinaryIO, sink: BinaryIO) -> None:
    function, args = pickle.load(source)
    try:
        for item in function(*args):
            _send(sink, ("item", item))
        _send(sink, ("end", None))
    except BrokenPipeError:
        raise
    except Exception as exc:  # every failure is the parent's to raise
        try:
            _send(sink, ("error", exc))
        except pickle.PicklingError:
            _send(sink, ("error", ChildDied(f"{type(exc).__name__}: {exc}")))


def _send(sink: BinaryIO, message: tuple[str, Any]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)  # whole, so a failure writes nothing
    sink.write(data)
    sink.flush()


if __name__ == "__main__":
    try:
        _serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:  # the parent is gone: nobody to tell
        pass
    os._exit(0)  # not sys.exit: flushing a broken stdout at exit would complain once more
