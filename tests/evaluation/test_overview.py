"""The evaluation section of the customer's 360° page (SPEC §6): total, grade, radar chart of
the four dimensions, the explanation of every indicator, the suggested credit terms and the
customer's results across runs; shown with the evaluation's view permissions."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kehu.accounts.services import user_create
from kehu.audit.models import AuditEvent
from kehu.evaluation.radar import radar_chart
from kehu.evaluation.services import evaluation_run
from tests.customers.test_overview import section
from tests.evaluation.example import AS_OF, example_build

pytestmark = pytest.mark.django_db
PASSWORD = "Kehu-overview-2026"
D = Decimal


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin():
    return user_create(username="boss", password=PASSWORD, roles=["administrator"])


def test_the_radar_polygon_puts_each_score_on_its_axis():
    chart = radar_chart(
        [("activity", D(100)), ("capability", D(50)), ("reputation", D(0)), ("relations", None)],
        [D(50)] * 4,
        width=200,
        height=200,
        radius=80,
    )
    # clockwise from the top; 0 and "no score" are the centre
    assert chart["polygon"] == "100,20 140,100 100,100 100,100"
    assert chart["previous"] == "100,60 140,100 100,140 60,100"
    assert chart["rings"][-1]["points"] == "100,20 180,100 100,180 20,100"
    assert [(a.x, a.y) for a in chart["axes"]] == [(100, 20), (180, 100), (100, 180), (20, 100)]
    assert [a.anchor for a in chart["axes"]] == ["middle", "start", "middle", "end"]
    top, right, bottom, left = chart["axes"]
    assert top.score_y < 20 and bottom.label_y > 180  # the labels stay off the chart
    assert right.label_x > 180 and left.label_x < 20
    assert radar_chart([("a", D(1))] * 4)["previous"] == ""


def test_the_section_shows_total_grade_radar_explanation_and_history(admin):
    customers = example_build()
    first = evaluation_run(actor=None, as_of=datetime.date(2026, 3, 31))
    latest = evaluation_run(actor=None, as_of=AS_OF)

    html = _browser(admin).get(f"/customers/{customers['E1'].pk}/").content.decode()
    text = section(html, "evaluation")

    assert "Total 86.58 Grade A" in text
    assert f"#{latest.pk} · as of 2026-06-30" in text
    # activity 80, capability 86.33, reputation 100, relations 75 on a radius of 90 around
    # (240, 135)
    assert 'class="radar-area" points="240,63 317.7,135 240,225 172.5,135"' in html
    assert 'class="radar-previous" points="' in html
    assert "Activity 80.00" in text and "Social relations 75.00" in text
    # indicator, raw value, score, effective weight, explanation
    assert (
        "Credit reputation 按期付款比例 (%) 100.00 100.00 30.00 share of the invoiced amount "
        "paid by its due date (%): 100.00 → 100.00" in text
    )
    assert "Business capability 采购额 (近12个月, 百分位) 100.00 100.00 50.00" in text
    assert (
        "市场地位 — — 0.00 no rating — insufficient data: left out, the other weights "
        "re-normalised" in text
    )
    history = text.split("Across runs")[1]
    assert history.index(f"#{latest.pk} 2026-06-30") < history.index(f"#{first.pk} 2026-03-31")
    assert "默认评分卡 v1 86.58 A" in history and "默认评分卡 v1 80.03 B" in history
    # the suggestion of grade A: 80,000 / 12 × 60 / 30 × 1.5
    assert "Suggested credit terms (grade A)" in text
    assert "Credit limit 100000.00 20000.00" in text
    assert 'id="apply-suggested-terms"' in html
    assert 'href="/evaluation/ratings/?code=E1"' in html


def test_a_customer_never_evaluated_says_so(admin):
    customers = example_build()
    text = section(
        _browser(admin).get(f"/customers/{customers['E3'].pk}/").content.decode(), "evaluation"
    )
    assert "Not evaluated yet" in text
    assert "Rate this customer on the manual indicators" in text


def test_without_the_evaluation_permissions_there_is_no_section():
    customers = example_build()
    evaluation_run(actor=None, as_of=AS_OF)
    viewer = user_create(username="viewer", password=PASSWORD, scope="all")
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))

    html = _browser(viewer).get(f"/customers/{customers['E1'].pk}/").content.decode()

    assert 'id="evaluation"' not in html and "86.58" not in html


def test_a_salesperson_sees_the_section_but_may_not_apply_the_terms():
    customers = example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)
    seller = user_create(username="seller", password=PASSWORD, roles=["salesperson"], scope="all")

    html = _browser(seller).get(f"/customers/{customers['E1'].pk}/").content.decode()

    assert "Total 86.58 Grade A" in section(html, "evaluation")
    assert 'id="apply-suggested-terms"' not in html
    response = _browser(seller).post(f"/evaluation/runs/{run.pk}/strategy/", {"customers": "E1"})
    assert response.status_code == 403
    assert customers["E1"].credit_limit == D("100000")


def test_applying_from_the_section_changes_the_customer_and_shows_in_its_history(admin):
    customers = example_build()
    run = evaluation_run(actor=None, as_of=AS_OF)
    e1 = customers["E1"]
    browser = _browser(admin)

    response = browser.post(
        f"/evaluation/runs/{run.pk}/strategy/",
        {"customers": "E1", "next": f"/customers/{e1.pk}/"},
    )

    assert response.status_code == 302 and response["Location"] == f"/customers/{e1.pk}/"
    e1.refresh_from_db()
    assert (e1.credit_limit, e1.credit_days, e1.discount_rate) == (D("20000.00"), 60, D("5.00"))
    assert AuditEvent.objects.filter(operation_id__startswith=f"evaluation-strategy-{run.pk}")
    html = browser.get(response["Location"]).content.decode()
    assert "already the suggested ones" in section(html, "evaluation")
    assert "20000.00" in section(html, "history")
    customers["E2"].refresh_from_db()
    assert customers["E2"].credit_limit == D("50000.00")  # only the chosen customer


def test_the_query_count_does_not_grow_with_the_runs(admin):
    customers = example_build()
    evaluation_run(actor=None, as_of=AS_OF)
    browser = _browser(admin)
    url = f"/customers/{customers['E1'].pk}/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(url).status_code == 200
        return len(captured)

    one = queries()
    for month in (1, 2, 3):
        evaluation_run(actor=None, as_of=datetime.date(2026, month, 28))
    assert queries() == one
