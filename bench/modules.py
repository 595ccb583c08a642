"""The benchmark modules, by name, in the order they run. Add one here to extend ``make bench``.

A module is a function ``run(context) -> list[bench.measure.Result]`` (named here as
``"module:function"``, imported only in the worker, where Django is set up), called in a
process set up for one scratch database that holds ``context.scale`` generated customers.
"""

from importlib import import_module

MODULES = {
    "queries": "bench.queries:run",
    "export": "bench.files:run_export",
    "duplicates": "bench.files:run_duplicates",
    "imports": "bench.imports:run",
    # documents in bulk, check-balances' recomputation; the aging goes here too (bench/sales.py)
    "sales": "bench.sales:run",
    "aging": "bench.aging:run",
    # a full evaluation run over the sales documents (loaded like ``sales`` when absent)
    "evaluation": "bench.evaluation:run",
    # one credit check under the unit lock, over the documents of `sales` (bench/credit.py)
    "credit": "bench.credit:run",
}


def module_run(name: str):
    """The ``run`` function of the module ``name``."""
    path, function = MODULES[name].split(":")
    return getattr(import_module(path), function)
