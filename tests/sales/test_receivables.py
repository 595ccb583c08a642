"""The receivables report (SPEC §4, §3): the web pages, the downloads, the API and the CLI
read the customer list's conditions and the data scope, and give the same amounts."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kehu.accounts.services import token_create, user_create
from kehu.masterdata.models import Department, Salesperson
from kehu.masterdata.services import coded_item_create
from kehu.sales import services
from tests import factories
from tests.conftest import ApiClient
from tests.customers.test_export import browser, csv_rows, download, xlsx_rows

D = Decimal
AS_OF = datetime.date(2026, 6, 30)
PASSWORD = "Kehu-receivables-2026"


def _invoice(customer, number, amount, days_overdue):
    due = AS_OF - datetime.timedelta(days=days_overdue)
    services.invoice_post(
        actor=None,
        customer=customer,
        number=number,
        date=min(due, AS_OF) - datetime.timedelta(days=1),
        amount=D(amount),
        due_date=due,
    )


@pytest.fixture
def ledger(db):
    """Classes 0101 and 0102; salespeople S1 and S2; four customers with invoices."""
    factories.class_tree("01", "0101", "0102")
    coded_item_create(Department, actor=None, data={"code": "D1", "name": "一部"})
    coded_item_create(Department, actor=None, data={"code": "D2", "name": "二部"})
    for code, department in (("S1", "D1"), ("S2", "D2")):
        coded_item_create(
            Salesperson,
            actor=None,
            data={"code": code, "name": f"业务员{code}", "department": department},
        )
    made = {}
    for code, klass, person, name in (
        ("A1", "0101", "S1", "甲公司"),
        ("A2", "0101", "S2", "乙公司"),
        ("B1", "0102", "S1", "=HYPERLINK(1)"),
        ("B2", "0102", "S2", "丁公司"),
    ):
        made[code] = factories.customer(
            klass, code=code, name=name, salesperson=person, currency="CNY", credit_days=30
        )
    _invoice(made["A1"], "I1", "100", 10)  # 1-30
    _invoice(made["A1"], "I2", "50", -3)  # not due
    _invoice(made["A2"], "I3", "200", 45)  # 31-60
    _invoice(made["B1"], "I4", "300", 200)  # over 180
    _invoice(made["B2"], "I5", "400", 95)  # 91-180
    services.receipt_post(actor=None, customer=made["B2"], number="R1", date=AS_OF, amount=D("150"))
    return made


def _admin():
    return user_create(username="boss", password=PASSWORD, roles=["administrator"])


def _salesperson(code="S1"):
    user = user_create(username="sales1", password=PASSWORD, roles=["salesperson"], scope="own")
    Salesperson.objects.filter(code=code).update(user=user)
    return user


def _api(client, user) -> ApiClient:
    _token, raw = token_create(user=user, name="tests")
    return ApiClient(client, raw)


def test_the_page_groups_by_class_with_the_buckets_and_totals(ledger):
    page = browser(_admin()).get(f"/sales/receivables/?group_by=class&as_of={AS_OF}")

    assert page.status_code == 200
    text = page.content.decode()
    rows = page.context["report"].rows
    assert [(r.code, r.customers, r.aging.balance) for r in rows] == [
        ("0101", 2, D("350")),
        ("0102", 2, D("550")),
    ]
    assert rows[1].aging.by_key["over_180"] == D("300")
    assert rows[1].aging.by_key["days_91_180"] == D("250")  # 400 less 150 received
    assert "91–180" in text and "900.00" in text  # the CNY total


def test_the_list_conditions_narrow_the_report(ledger):
    page = browser(_admin()).get(f"/sales/aging/?class_code=0102&as_of={AS_OF}")

    assert [r.code for r in page.context["report"].rows] == ["B1", "B2"]
    # the customer rows link to the 360° page
    assert f'href="/customers/{ledger["B2"].pk}/"' in page.content.decode()


def test_as_of_an_earlier_date(ledger):
    earlier = AS_OF - datetime.timedelta(days=100)
    page = browser(_admin()).get(f"/sales/aging/?as_of={earlier}")

    # Only B1's invoice existed (dated 201 days before AS_OF), 100 days overdue then.
    rows = page.context["report"].rows
    assert [(r.code, r.aging.by_key["days_91_180"]) for r in rows] == [("B1", D("300"))]


def test_a_bad_date_is_shown_as_an_error_not_a_failure(ledger):
    page = browser(_admin()).get("/sales/receivables/?as_of=2026-13-01")

    assert page.status_code == 400
    assert "As of: this value is not valid." in page.content.decode()


def test_a_salesperson_sees_only_their_customers(ledger):
    page = browser(_salesperson()).get(f"/sales/aging/?as_of={AS_OF}")

    assert [r.code for r in page.context["report"].rows] == ["A1", "B1"]
    assert "乙公司" not in page.content.decode()


def test_the_downloads_hold_the_rows_and_neutralise_formulas(ledger):
    client = browser(_admin())

    data = download(client.get(f"/sales/aging/?as_of={AS_OF}&export=csv"))
    rows = csv_rows(data)
    workbook = client.get(f"/sales/aging/?as_of={AS_OF}&export=xlsx")
    sheet = xlsx_rows(b"".join(workbook.streaming_content), sheet="aging")

    assert rows[0][:4] == ["code", "name", "currency", "customers"]
    assert [row[0] for row in rows[1:]] == ["A1", "A2", "B1", "B2", ""]
    assert rows[3][1] == "'=HYPERLINK(1)"
    assert rows[-1][1] == "Total" and rows[-1][-1] == "900.00"
    assert sheet[3][1] == "'=HYPERLINK(1)"
    assert [row[0] for row in sheet[1:5]] == ["A1", "A2", "B1", "B2"]


def test_the_api_gives_the_same_report(ledger, client):
    api = _api(client, _admin())

    response = api.get(f"/api/v1/receivables/aging?as_of={AS_OF}&group_by=salesperson")

    assert response.status_code == 200
    body = response.json()
    assert [b["key"] for b in body["buckets"]][:2] == ["not_due", "days_1_30"]
    assert [(r["code"], r["customers"], D(r["balance"])) for r in body["results"]] == [
        ("S1", 2, D("450")),
        ("S2", 2, D("450")),
    ]
    assert [(t["currency"], D(t["overdue"])) for t in body["totals"]] == [("CNY", D("850"))]


def test_the_api_applies_conditions_scope_and_paging(ledger, client):
    api = _api(client, _salesperson())

    page = api.get(f"/api/v1/receivables/aging?as_of={AS_OF}&page_size=1&page=2")
    filtered = api.get(f"/api/v1/receivables/aging?as_of={AS_OF}&class_code=0101")

    assert page.json()["count"] == 2
    assert [r["code"] for r in page.json()["results"]] == ["B1"]
    assert [r["code"] for r in filtered.json()["results"]] == ["A1"]


@pytest.mark.parametrize("condition", ["class_code=99", "salesperson=NOBODY", "credit_grade=Z"])
def test_a_code_that_is_not_there_gives_an_empty_report(ledger, client, condition):
    api = _api(client, _admin())

    response = api.get(f"/api/v1/receivables/aging?as_of={AS_OF}&{condition}")

    assert response.status_code == 200, response.content
    assert (response.json()["count"], response.json()["results"]) == (0, [])


def test_the_api_refuses_bad_parameters_per_field(ledger, client):
    api = _api(client, _admin())

    bad_date = api.get("/api/v1/receivables/aging?as_of=30.06.2026")
    bad_group = api.get("/api/v1/receivables/aging?group_by=colour")

    assert bad_date.status_code == 422 and "as_of" in bad_date.content.decode()
    assert bad_group.status_code == 422 and "group_by" in bad_group.content.decode()


def test_the_cli_prints_and_writes_the_report(ledger, tmp_path):
    out = io.StringIO()
    call_command("aging", as_of=str(AS_OF), group_by="class", stdout=out)
    path = tmp_path / "aging.csv"
    call_command(
        "aging", as_of=str(AS_OF), param=["class_code=0102"], output=str(path), stdout=io.StringIO()
    )

    assert "0101" in out.getvalue() and "350.00" in out.getvalue()
    rows = csv_rows(path.read_bytes())
    assert [row[0] for row in rows[1:-1]] == ["B1", "B2"]
    with pytest.raises(CommandError, match="--as-of"):
        call_command("aging", as_of="tomorrow", stdout=io.StringIO())
