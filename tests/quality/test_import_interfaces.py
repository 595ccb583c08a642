"""The import's interfaces: ``kehu import`` on the command line, ``POST /api/v1/imports`` and
the template download."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from kehu.accounts.services import token_create, user_create
from kehu.customers.models import Customer
from tests.factories import class_tree
from tests.quality.test_import import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

GOOD = ["C1", "甲有限公司", "0101"]
BAD = ["C2", "", "0101"]


@pytest.fixture
def trees(db):
    class_tree("01", "0101")


def _call(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return 1, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_cli_imports_and_prints_the_counts(tmp_path, trees):
    path = write_csv(tmp_path, [["客户编码", "客户名称", "所属分类"], GOOD])
    status, out, _err = _call(str(path))

    assert status == 0
    assert "customers" in out or "客户" in out
    assert Customer.objects.filter(code="C1").exists()


def test_cli_prints_the_errors_writes_the_report_and_fails(tmp_path, trees):
    path = write_csv(tmp_path, [["code", "name", "class_code"], GOOD, BAD])
    report = tmp_path / "errors.csv"
    status, out, err = _call(str(path), "--report", str(report))

    assert status == 1 and "1 problems" in err
    assert "name" in out and "This field cannot be blank." in out and "3" in out
    assert not Customer.objects.exists()
    rows = list(csv.reader(io.StringIO(report.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["sheet", "line", "column", "code", "key", "reason"]
    assert rows[1][:3] == ["customers", "3", "name"]


def test_cli_skip_errors_and_dry_run(tmp_path, trees):
    path = write_csv(tmp_path, [["code", "name", "class_code"], GOOD, BAD])
    assert _call(str(path), "--dry-run", "--skip-errors")[0] == 1
    assert not Customer.objects.exists()
    status, out, _err = _call(str(path), "--skip-errors")
    assert status == 1 and "Imported" in out
    assert list(Customer.objects.values_list("code", flat=True)) == ["C1"]


def test_cli_user_must_exist_and_may_import(tmp_path, trees):
    user_create(username="viewer", password="Kehu-user-2026", roles=["auditor"])
    path = write_csv(tmp_path, [["code", "name", "class_code"], GOOD])
    assert "no active user" in _call(str(path), "--user", "nobody")[2]
    assert "may not" in _call(str(path), "--user", "viewer")[2]


def _token(*roles):
    user = user_create(
        username="u-" + "-".join(roles).replace(" ", "_"),
        password="Kehu-user-2026",
        roles=list(roles),
        scope="all",
    )
    return token_create(user=user, name="tests")[1]


def _upload(client, token, path, **data):
    with path.open("rb") as file:
        upload = SimpleUploadedFile(path.name, file.read())
    return client.post(
        "/api/v1/imports",
        {"file": upload, **data},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_api_answers_the_report(client, tmp_path, trees):
    token = _token("sales manager")
    path = write_xlsx(tmp_path, {"客户": [["客户编码", "客户名称", "所属分类"], GOOD, BAD]})

    refused = _upload(client, token, path)
    assert refused.status_code == 200
    body = refused.json()
    assert body["written"] is False and body["operation_id"].startswith("import-")
    [error] = body["errors"]
    assert (error["sheet"], error["line"], error["column"]) == ("customers", 3, "客户名称")
    assert body["sheets"]["customers"] == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert not Customer.objects.exists()

    dry = _upload(client, token, path, skip_errors="true", dry_run="true").json()
    assert dry["dry_run"] and not dry["written"] and not Customer.objects.exists()

    written = _upload(client, token, path, skip_errors="true").json()
    assert written["written"] is True
    assert list(Customer.objects.values_list("code", flat=True)) == ["C1"]


def test_api_refuses_a_user_who_may_not_add_customers(client, tmp_path, trees):
    path = write_xlsx(tmp_path, {"customers": [["code", "name", "class_code"], GOOD]})
    response = _upload(client, _token("auditor"), path)
    assert response.status_code == 403
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("lang", "sheet", "header"), [("zh", "客户", "客户编码"), ("en", "customers", "code")]
)
def test_template_has_the_sheets_headers_and_lists(client, trees, lang, sheet, header, tmp_path):
    response = client.get(
        f"/api/v1/imports/template?lang={lang}",
        headers={"Authorization": f"Bearer {_token('salesperson')}"},
    )
    assert response.status_code == 200
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.content)
    workbook = load_workbook(path)
    customers = workbook[sheet]
    assert customers.cell(row=1, column=1).value == header
    assert customers.cell(row=2, column=1).value == "C00001"
    formulas = {v.formula1 for v in customers.data_validations.dataValidation}
    assert any("_lists" in f for f in formulas)
    assert workbook["_lists"].sheet_state == "hidden"
    assert "0101" in [c.value for c in workbook["_lists"]["A"]]


def test_the_template_imports_cleanly(client, trees, tmp_path):
    from kehu.quality.importing import import_file
    from kehu.quality.importing.template import import_template

    path = tmp_path / "template.xlsx"
    path.write_bytes(import_template("en"))
    report = import_file(path, actor=None, dry_run=True)
    assert report.ok, report.errors
    assert [c.action for c in report.changes] == ["create"]
