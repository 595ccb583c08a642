"""Kehu's benchmarks: performance targets are measured here, never in timed unit tests.

``make bench`` (or ``python -m bench``) creates scratch databases of its own, loads generated
customers with ``kehu.demo.bulk``, runs the benchmark modules listed in ``bench.modules`` on
each database and writes a Markdown report. See docs/benchmarks.md.
"""
