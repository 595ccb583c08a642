"""Python's cyclic garbage collector, held back for the length of a bulk job.

An import of tens of thousands of rows allocates millions of short-lived objects (cells,
rows, model instances, audit snapshots) while holding many long-lived ones (the report, the
codes and names seen). With the default thresholds the collector runs every 700 net
allocations and now and then walks every object of the process: about a fifth of the
import's CPU time at 20,000 rows (docs/benchmarks.md). ``collections_relaxed`` freezes what
exists when the job starts (``gc.freeze``: never walked again, and alive anyway) and lets
the young generation grow larger before a collection; memory is still freed by reference
counting as usual, and a cycle is collected a little later than it would have been.

``collections_paused`` switches the collector off entirely, for a computation whose many small
objects make no reference cycles at all (an evaluation run: about a tenth of its CPU, and 12 %
of its client CPU on PostgreSQL against ``collections_relaxed``).

Process-wide (the collector is): the first of several jobs running at once sets it and the
last one to finish puts it back.
"""

import contextlib
import gc
import threading

# young-generation allocations before a collection; older generations' ratios
RELAXED_THRESHOLD = (50_000, 20, 100)

_lock = threading.Lock()
_active = 0
_saved: tuple[int, ...] = ()
_paused = 0
_was_enabled = True


@contextlib.contextmanager
def collections_relaxed():
    """Fewer garbage collections while the block (or the decorated function) runs."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*RELAXED_THRESHOLD)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.set_threshold(*_saved)
                gc.unfreeze()


@contextlib.contextmanager
def collections_paused():
    """No cyclic garbage collection at all while the block (or the decorated function) runs;
    memory is still freed by reference counting."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
