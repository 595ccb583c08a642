"""Import of 100,000 customers from CSV and XLSX against a bare bulk insert (issue 6).

A hook, until the import engine (``kehu.quality.importing.import_file``) lands: it reports
itself as skipped while the engine raises ``NotImplementedError``. When it lands, measure here:

1. export the first ``IMPORT_ROWS`` customers with ``kehu.customers.exports.export_write``
   (CSV and XLSX: the importer reads what the exporter writes) into the work directory;
2. in a child process (``bench.child``, so that peak memory is the import's) on an empty
   scratch database, time ``import_file(path, actor=admin)`` for each file;
3. time ``kehu.demo.bulk.bulk_load(customers=IMPORT_ROWS)`` on another empty scratch
   database: the bare bulk insert the import is compared with.
"""

from bench.measure import Result

IMPORT_ROWS = 100_000


def run(context) -> list[Result]:
    from kehu.quality.importing import import_file

    try:
        import_file("", actor=None, dry_run=True)
    except NotImplementedError:
        return [
            Result(
                module="imports",
                name=f"CSV / XLSX import of {IMPORT_ROWS:,} rows vs bulk insert",
                value=None,
                unit="s",
                note="skipped: the import engine has not landed yet",
            )
        ]
    except Exception:  # noqa: S110 - the engine exists (the empty path is refused): measure
        pass
    return [
        Result(
            module="imports",
            name=f"CSV / XLSX import of {IMPORT_ROWS:,} rows vs bulk insert",
            value=None,
            unit="s",
            note="the engine has landed: write this benchmark (see bench/imports.py)",
        )
    ]
