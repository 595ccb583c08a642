"""The rating grid: many customers rated at once, through the manual-rating service, within
the data scope, with errors next to their inputs and nothing saved when there is one."""

from urllib.parse import urlencode

import pytest
from django.test import Client

from kehu.accounts.services import user_create
from kehu.customers.services import saved_query_create
from kehu.evaluation.models import ManualRating
from tests.evaluation.example import example_build
from tests.factories import customer

pytestmark = pytest.mark.django_db
PASSWORD = "Kehu-test-2026"


@pytest.fixture
def manager():
    user = user_create(username="lisi", password=PASSWORD, roles=["sales manager"], scope="all")
    client = Client()
    client.force_login(user)
    return user, client


def test_the_grid_lists_a_saved_querys_customers_with_their_latest_ratings(manager):
    user, browser = manager
    customers = example_build()
    query = saved_query_create(actor=user, data={"name": "付款", "params": {"q": "付款"}})

    page = browser.get(f"/evaluation/ratings/?saved={query.pk}").content.decode()

    assert "甲按期付款有限公司" in page and "乙逾期付款有限公司" in page
    assert "丙新客户有限公司" not in page
    e1 = customers["E1"].pk
    assert f'name="r-{e1}-cooperation"' in page and f'name="c-{e1}"' in page
    assert "now 5 (2026-05-01)" in page  # E1's cooperation
    assert "now 4 (2026-07-15)" in page  # E2's latest cooperation
    one = browser.get("/evaluation/ratings/?code=E2").content.decode()  # from the 360° page
    assert "乙逾期付款有限公司" in one and "甲按期付款有限公司" not in one


def test_saving_records_every_rating_through_the_service(manager):
    user, browser = manager
    customers = example_build()
    e1, e3 = customers["E1"].pk, customers["E3"].pk
    before = ManualRating.objects.count()

    url = "/evaluation/ratings/?" + urlencode({"q": "有限公司"})
    response = browser.post(
        url,
        {
            f"r-{e1}-market_position": "4",
            f"r-{e1}-referrals": " 2 ",
            f"c-{e1}": "年度评审",
            f"r-{e3}-cooperation": "3",
            f"r-{e3}-relationship": "",
            "rated_on": "2026-06-01",
        },
    )

    assert response.status_code == 302 and response["Location"] == url
    new = ManualRating.objects.order_by("pk")[before:]
    assert [(r.customer.code, r.indicator_key, r.rating, r.comment) for r in new] == [
        ("E1", "market_position", 4, "年度评审"),
        ("E1", "referrals", 2, "年度评审"),
        ("E3", "cooperation", 3, ""),
    ]
    assert all(r.rated_by == user and str(r.rated_on) == "2026-06-01" for r in new)
    page = browser.get(response["Location"]).content.decode()
    assert "3 ratings recorded." in page


def test_an_error_in_one_line_saves_nothing_and_shows_next_to_the_input(manager):
    _user, browser = manager
    customers = example_build()
    e1, e2 = customers["E1"].pk, customers["E2"].pk
    before = ManualRating.objects.count()

    response = browser.post(
        "/evaluation/ratings/",
        {
            f"r-{e1}-market_position": "4",
            f"r-{e2}-referrals": "7",
            f"r-{e2}-relationship": "good",
            f"c-{customers['E3'].pk}": "no rating",
        },
    )

    assert response.status_code == 422
    assert ManualRating.objects.count() == before
    page = response.content.decode()
    assert "Nothing was saved" in page
    line = page.split(f'id="rating-line-{e2}"')[1].split("</tr>")[0]
    assert line.count("Give a whole number from 1 to 5.") == 2
    assert 'value="good"' in line and 'aria-invalid="true"' in line
    assert "A comment goes with a rating." in page
    first = page.split(f'id="rating-line-{e1}"')[1].split("</tr>")[0]
    assert 'value="4"' in first and "field-error" not in first  # kept for the next try


def test_a_bad_or_future_date_is_an_error(manager):
    _user, browser = manager
    e1 = example_build()["E1"].pk
    for date, message in (
        ("01/06/2026", "Enter a date as YYYY-MM-DD."),
        ("2999-01-01", "A rating cannot be dated in the future."),
    ):
        response = browser.post(
            "/evaluation/ratings/", {f"r-{e1}-market_position": "4", "rated_on": date}
        )
        assert response.status_code == 422 and message in response.content.decode()
    assert not ManualRating.objects.filter(indicator_key="market_position").exists()


def test_nothing_given_is_an_error(manager):
    _user, browser = manager
    example_build()
    response = browser.post("/evaluation/ratings/", {})
    assert response.status_code == 422
    assert "Give at least one rating." in response.content.decode()


def test_a_customer_outside_the_scope_is_neither_listed_nor_rated():
    example_build()
    seller = user_create(username="shenji", password=PASSWORD, roles=["salesperson"])
    browser = Client()
    browser.force_login(seller)
    hidden = customer(code="H1", name="他人客户有限公司")

    page = browser.get("/evaluation/ratings/").content.decode()
    assert "他人客户有限公司" not in page and "甲按期付款有限公司" not in page

    response = browser.post("/evaluation/ratings/", {f"r-{hidden.pk}-cooperation": "5"})
    assert response.status_code == 422
    assert "There is no such customer." in response.content.decode()
    assert not ManualRating.objects.filter(customer=hidden).exists()


def test_an_auditor_sees_the_grid_but_may_not_save_it():
    example_build()
    auditor = user_create(username="shen", password=PASSWORD, roles=["auditor"], scope="all")
    browser = Client()
    browser.force_login(auditor)
    page = browser.get("/evaluation/ratings/").content.decode()
    assert "甲按期付款有限公司" in page and "Save the ratings" not in page
    assert browser.post("/evaluation/ratings/", {}).status_code == 403
