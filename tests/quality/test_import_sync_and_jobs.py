"""The two import APIs (SPEC §8, §10): `POST /api/v1/imports` imports within the request,
`POST /api/v1/import-jobs` in the background. The same file gets the same report from both; the
synchronous one refuses files too large for a request and points to the jobs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.customers.models import Customer
from tests.factories import class_tree
from tests.quality.test_import_sample import (  # noqa: F401 - fixtures
    DATA,
    EXPECTED,
    customers_workbook,
    sample_master_data,
    sample_trees,
)

# What differs between two runs of the same import by construction.
RUN_KEYS = ("operation_id",)


def _post(api, path, name, content, **form):
    upload = SimpleUploadedFile(name, content)
    return api.client.post(path, {"file": upload, **form}, headers=api.headers)


def _sync(api, name, content, **form):
    response = _post(api, "/api/v1/imports", name, content, **form)
    assert response.status_code == 200, response.content
    return response.json()


def _job(api, name, content, **form):
    response = _post(api, "/api/v1/import-jobs", name, content, **form)
    assert response.status_code == 202, response.content
    job = api.get(response.json()["status_url"]).json()  # the tests' backend: already run
    assert job["status"] == "succeeded", job
    return job["report"]


def _same_run(report: dict) -> dict:
    return {key: value for key, value in report.items() if key not in RUN_KEYS}


@pytest.mark.usefixtures("sample_master_data", "sample_trees")
@pytest.mark.parametrize("file_name", ["sample_customers.xlsx", "sample_customers.csv"])
@pytest.mark.parametrize("skip_errors", ["false", "true"])
def test_both_apis_report_the_same_errors_and_changes_for_the_sample(
    api, tmp_path, file_name, skip_errors
):
    path = customers_workbook(tmp_path) if file_name.endswith(".xlsx") else DATA / file_name
    content = path.read_bytes()
    form = {"dry_run": "true", "skip_errors": skip_errors}

    sync = _sync(api, file_name, content, **form)
    job = _job(api, file_name, content, **form)

    assert _same_run(sync) == _same_run(job)
    refused = {e["line"] for e in sync["errors"] if e["sheet"] == "customers"}
    assert refused == {case["line"] for case in EXPECTED}
    assert not Customer.objects.exists()


@pytest.mark.usefixtures("sample_master_data")
def test_both_apis_write_the_same_with_skip_errors(api, tmp_path):
    content = customers_workbook(tmp_path).read_bytes()

    sync = _sync(api, "sample_customers.xlsx", content, skip_errors="true")
    written = sorted(Customer.objects.values_list("code", "name", "credit_limit"))
    Customer.objects.all().delete()
    job = _job(api, "sample_customers.xlsx", content, skip_errors="true", dry_run="false")

    assert sync["written"] and job["written"]
    assert sync["errors"] == job["errors"]
    for sheet in ("customers", "contacts"):  # the trees were created by the first import
        assert sync["sheets"][sheet] == job["sheets"][sheet]
    assert sorted(Customer.objects.values_list("code", "name", "credit_limit")) == written


CSV_HEADER = "客户编码,客户名称,所属分类\r\n"


def _csv(rows: int) -> bytes:
    lines = "".join(f"S{n:04d},商行{n}有限公司,0101\r\n" for n in range(rows))
    return (CSV_HEADER + lines).encode()


def test_the_sync_api_refuses_too_many_rows_and_points_to_the_jobs(api, settings):
    class_tree("01", "0101")
    settings.KEHU_IMPORT_SYNC_MAX_ROWS = 3

    refused = _post(api, "/api/v1/imports", "客户.csv", _csv(4))

    assert refused.status_code == 413
    body = refused.json()
    assert body["code"] == "too_large_for_sync_import"
    assert "4 rows, more than the 3" in body["errors"]["file"][0]
    assert "/api/v1/import-jobs" in body["message"]
    assert not Customer.objects.exists()  # stopped before anything was written
    assert _job(api, "客户.csv", _csv(4), dry_run="false")["written"]
    assert Customer.objects.count() == 4
    assert _sync(api, "客户.csv", _csv(3))["sheets"]["customers"]["unchanged"] == 3


def test_the_sync_api_refuses_a_large_file_before_reading_it(api, settings):
    class_tree("01", "0101")
    settings.KEHU_IMPORT_SYNC_MAX_BYTES = 1 << 20
    content = _csv(1) + b" " * (1 << 20)

    refused = _post(api, "/api/v1/imports", "客户.csv", content)

    assert refused.status_code == 413
    assert "larger than 1 MB" in refused.json()["errors"]["file"][0]
    assert "/api/v1/import-jobs" in refused.json()["message"]
    assert not Customer.objects.exists()


def test_the_openapi_documents_the_413(api):
    schema = api.get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/imports"]["post"]["responses"]
    assert "413" in responses
    assert "/api/v1/import-jobs" in schema["paths"]["/api/v1/imports"]["post"]["description"]
