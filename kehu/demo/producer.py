"""The generating side of a parallel bulk load, run in a second process.

It imports nothing of Django (the generator needs none), so a spawned process starts fast and
never touches the database.
"""

import datetime
from itertools import islice

from kehu.demo import generator


def produce_batches(queue, count: int, seed: int, today: datetime.date, size: int) -> None:
    """Put the generated customers on ``queue`` in lists of ``size``, then None — or the
    exception that stopped the generator, for the writer to raise."""
    try:
        stream = generator.generate_customers(count, seed=seed, reference_date=today)
        while batch := list(islice(stream, size)):
            queue.put(batch)
    except Exception as exc:
        queue.put(exc)
        return
    queue.put(None)
