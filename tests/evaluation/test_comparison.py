"""Comparing two runs: who moved up or down (change of total and of grade), in one query,
within the reader's data scope; on a page, on the run's dashboard and in the API."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kehu.accounts.services import token_create, user_create
from kehu.evaluation.comparison import biggest_movers, comparison, comparison_summary
from kehu.evaluation.services import evaluation_run
from tests.conftest import ApiClient
from tests.evaluation.example import AS_OF, example_build
from tests.factories import customer

pytestmark = pytest.mark.django_db
D = Decimal
EARLIER = datetime.date(2026, 3, 31)


@pytest.fixture
def runs(admin_user):
    """E1 rises from 80.03 (B) to 86.58 (A); E5 is new in the later run."""
    customers = example_build()
    earlier = evaluation_run(actor=None, as_of=EARLIER)
    customers["E5"] = customer(code="E5", name="戊新增客户有限公司")
    later = evaluation_run(actor=None, as_of=AS_OF)
    return customers, earlier, later


def _rows(user, later, earlier) -> dict:
    return {
        row.customer.code: (
            row.before_total,
            row.total,
            row.delta,
            row.movement,
            row.grade_movement,
        )
        for row in comparison(user, later, earlier)
    }


def test_one_query_tells_who_moved_up_down_or_is_new(runs, admin_user):
    _customers, earlier, later = runs
    with CaptureQueriesContext(connection) as captured:
        rows = _rows(admin_user, later, earlier)
    # the later run's grade bands, then one query joining the two runs' results
    assert len(captured) == 2
    assert sum("evaluation_customerevaluation" in q["sql"] for q in captured) == 1
    assert rows["E1"] == (D("80.03"), D("86.58"), D("6.55"), "up", "up")
    assert rows["E5"] == (None, D("0.00"), None, "new", "")
    before, after, delta, movement, _grade = rows["E2"]
    assert delta == after - before and movement == ("down" if delta < 0 else "up")
    # biggest moves first, new customers last
    assert list(rows)[-1] == "E5"
    sizes = [abs(r[2]) for r in rows.values() if r[2] is not None]
    assert sizes == sorted(sizes, reverse=True)


def test_the_summary_counts_the_movers(runs, admin_user):
    _customers, earlier, later = runs
    rows = _rows(admin_user, later, earlier)
    summary = comparison_summary(admin_user, later, earlier)
    assert summary.new == 1 and summary.gone == 0
    assert summary.up == sum(1 for r in rows.values() if r[3] == "up")
    assert summary.down == sum(1 for r in rows.values() if r[3] == "down")
    assert summary.up + summary.down + summary.same + summary.new == 5
    assert summary.grade_up >= 1  # E1: B → A
    # seen from the other side, E5 is in the later run only
    assert comparison_summary(admin_user, earlier, later).gone == 1


def test_a_salesperson_compares_only_their_customers(runs):
    _customers, earlier, later = runs
    seller = user_create(username="seller", password="Kehu-test-2026", roles=["salesperson"])
    assert _rows(seller, later, earlier) == {}
    assert biggest_movers(seller, later, earlier) == ([], [])


def test_the_page_compares_with_the_run_before_by_default(runs, admin_user, client):
    _customers, earlier, later = runs
    client.force_login(admin_user)

    page = client.get(f"/evaluation/runs/{later.pk}/compare/").content.decode()

    assert f"compared with run #{earlier.pk} (2026-03-31)" in page
    assert "▲ +6.55" in page and "B → <span" in page
    assert "1 new." in page
    ups = client.get(f"/evaluation/runs/{later.pk}/compare/?with={earlier.pk}&show=new")
    assert "戊新增客户有限公司" in ups.content.decode()
    assert "甲按期付款有限公司" not in ups.content.decode()


def test_a_bad_run_to_compare_with_is_a_field_error(runs, admin_user, client):
    _customers, _earlier, later = runs
    client.force_login(admin_user)
    for value in ("abc", str(later.pk), "999999"):
        response = client.get(f"/evaluation/runs/{later.pk}/compare/?with={value}")
        assert response.status_code == 422
        assert "Choose another succeeded run to compare with." in response.content.decode()


def test_the_dashboard_shows_the_biggest_movers_against_the_run_before(runs, admin_user, client):
    _customers, earlier, later = runs
    client.force_login(admin_user)

    page = client.get(f"/evaluation/runs/{later.pk}/").content.decode()

    movers = page.split('id="movers"')[1].split("</div>")[0]
    rises = movers.split("Biggest falls")[0]
    assert "甲按期付款有限公司" in rises and "▲ +6.55" in rises and "B → A" in rises
    assert f"Compared with run #{earlier.pk} as of 2026-03-31." in page
    first = client.get(f"/evaluation/runs/{earlier.pk}/").content.decode()
    assert 'id="movers"' not in first  # nothing before it


def test_the_api_compares_two_runs(runs, admin_user):
    _customers, earlier, later = runs
    api = ApiClient(Client(), token_create(user=admin_user, name="t")[1])

    found = api.get(f"/api/v1/evaluation-runs/{later.pk}/compare?with={earlier.pk}").json()

    assert found["count"] == 5
    first = found["results"][0]
    assert first["customer_code"] == "E1"
    assert (first["before_total"], first["total"], first["delta"]) == ("80.03", "86.58", "6.55")
    assert (first["movement"], first["grade_movement"]) == ("up", "up")
    new = api.get(
        f"/api/v1/evaluation-runs/{later.pk}/compare?with={earlier.pk}&movement=new"
    ).json()
    assert [r["customer_code"] for r in new["results"]] == ["E5"]
    by_default = api.get(f"/api/v1/evaluation-runs/{later.pk}/compare").json()
    assert by_default == found  # with the run before
    for url in (f"{later.pk}/compare?with={later.pk}", f"{earlier.pk}/compare"):
        refused = api.get(f"/api/v1/evaluation-runs/{url}")
        assert refused.status_code == 422 and "with" in refused.json()["errors"]
