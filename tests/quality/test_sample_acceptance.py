"""Issue 6's acceptance on the sample (tests/quality/data): `kehu import` with the sample files
as expected.json says (the API and the page have their own tests: test_import_sync_and_jobs,
e2e/test_import_to_merge), and the sample's customers exported then imported again: no change."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from kehu.audit.models import AuditEvent
from kehu.customers import exports
from kehu.customers.models import Customer
from kehu.quality.importing import import_file
from tests.quality.test_import_sample import (  # noqa: F401 - fixtures
    DATA,
    EXPECTED,
    customers_workbook,
    sample_master_data,
    sample_trees,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sample_master_data")]
REFUSED_CODES = {case["code"] for case in EXPECTED if "repeated" not in case["case"]}


def _kehu_import(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("sample_trees")
@pytest.mark.parametrize("file_name", ["sample_customers.xlsx", "sample_customers.csv"])
def test_the_command_line_refuses_the_listed_rows_then_skips_them(tmp_path, file_name):
    report = tmp_path / "errors.csv"
    # the workbook's invoices and receipts are test_import_sample's
    path = customers_workbook(tmp_path) if file_name.endswith(".xlsx") else DATA / file_name

    status, _out, err = _kehu_import(str(path), "--report", str(report))

    assert status == 1 and err
    assert not Customer.objects.exists()  # all or nothing
    rows = list(csv.reader(io.StringIO(report.read_bytes().decode("utf-8-sig"))))
    refused = {(int(row[1]), row[4]) for row in rows[1:] if row[0] == "customers"}
    assert refused == {(case["line"], case["code"]) for case in EXPECTED}

    status, out, _err = _kehu_import(str(path), "--skip-errors")

    assert status == 1 and "Imported" in out  # written, and the refused rows still fail it
    assert Customer.objects.count() == 200 - len(REFUSED_CODES)
    assert not Customer.objects.filter(code__in=REFUSED_CODES).exists()


@pytest.mark.parametrize(
    ("language", "file_format", "encoding"),
    [("zh-hans", "xlsx", "utf-8"), ("en", "csv", "gb18030")],
)
def test_the_imported_sample_exported_and_imported_again_changes_nothing(
    tmp_path, admin_user, language, file_format, encoding
):
    import_file(customers_workbook(tmp_path), actor=admin_user, skip_errors=True)
    assert Customer.objects.count() == 200 - len(REFUSED_CODES)
    path = tmp_path / f"export.{file_format}"
    params = exports.ExportParams(format=file_format, language=language, encoding=encoding)
    with path.open("wb") as file:
        exports.export_write(Customer.objects.order_by("code"), params, file)
    before = AuditEvent.objects.count()

    report = import_file(path, actor=admin_user)

    assert report.ok, report.errors[:3]
    changed = [c for c in report.changes if c.action != "unchanged"]
    assert changed == [], changed[:3]
    assert report.sheets["customers"].unchanged == 200 - len(REFUSED_CODES)
    assert AuditEvent.objects.count() == before
