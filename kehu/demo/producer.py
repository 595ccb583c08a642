"""The generating side of a parallel bulk load, run in a second process.

It imports nothing of Django (the generator needs none), so a spawned process starts fast and
never touches the database.
"""

import datetime
import multiprocessing
import queue as queue_module
from itertools import islice

from kehu.demo import generator


def produce_batches(queue, count: int, seed: int, today: datetime.date, size: int) -> None:
    """Put the generated customers on ``queue`` in lists of ``size``, then None — or the
    exception that stopped the generator, for the writer to raise. Ends when the writing
    process has gone (killed, say) rather than wait for it for ever."""
    try:
        stream = generator.generate_customers(count, seed=seed, reference_date=today)
        while batch := list(islice(stream, size)):
            _put(queue, batch)
    except Exception as exc:
        _put(queue, exc)
        return
    _put(queue, None)


def _put(queue, item) -> None:
    parent = multiprocessing.parent_process()
    while True:
        try:
            queue.put(item, timeout=1)
            return
        except queue_module.Full:
            if parent is not None and not parent.is_alive():
                raise SystemExit(1) from None
