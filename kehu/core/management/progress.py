"""A progress bar on the terminal for long-running commands (rich), silent otherwise."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@contextmanager
def progress_bar(
    description: str, stream, verbosity: int, *, total: int
) -> Iterator[Callable[[int], None] | None]:
    """Yield ``advance(n)`` drawing a bar on ``stream`` when it is a terminal, else ``None``."""
    out = getattr(stream, "_out", stream)  # a management command's OutputWrapper
    if verbosity < 1 or not out.isatty():
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=out), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)
