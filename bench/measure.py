"""Timing and the result rows every benchmark module returns."""

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Result:
    """One measured figure and its target. ``value`` and ``target`` are in ``unit``; ``passed``
    is None when the benchmark has no target (or was skipped)."""

    module: str
    name: str
    value: float | None
    unit: str
    target: str = ""
    passed: bool | None = None
    details: dict = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with ``share`` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Timing:
    samples: list[float]  # milliseconds

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)


def timed(function: Callable[[], object]) -> tuple[float, float, object]:
    """Milliseconds ``function`` took (wall clock, and CPU time of this process), and what it
    returned. On a busy machine the CPU time shows the work apart from the waiting; on
    PostgreSQL it leaves out the server's work."""
    started, cpu = time.perf_counter(), time.process_time()
    value = function()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, value
