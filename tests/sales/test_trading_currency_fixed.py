"""A customer's trading currency is fixed once documents refer to it (its balances are sums of
their amounts): a change is a field-level error on the form, in the API and in an import."""

import pytest
from django.core.exceptions import ValidationError

from kehu.customers.models import Customer
from kehu.customers.services import customer_update
from kehu.quality.importing import import_file
from kehu.sales import services
from tests.api.asserts import assert_error
from tests.customers.test_card_views import card_data, edit_url, error_next_to
from tests.http import if_match
from tests.quality.test_import import write_xlsx
from tests.sales.conftest import DAY, D

SAYS = "its trading currency can no longer change"


@pytest.fixture
def trading(make_customer):
    c = make_customer(code="K1")
    services.order_create(actor=None, customer=c, number="SO1", date=DAY, amount=D("10"))
    return c


def test_the_service_refuses_another_currency_once_documents_exist(trading, make_customer):
    with pytest.raises(ValidationError) as refused:
        customer_update(actor=None, customer=trading, data={"currency": "USD"})

    assert SAYS in " ".join(refused.value.message_dict["currency"])
    assert Customer.objects.get(pk=trading.pk).currency.code == "CNY"
    fresh = make_customer()
    assert customer_update(actor=None, customer=fresh, data={"currency": "USD"}).currency.code == (
        "USD"
    )


def test_naming_the_base_currency_for_none_changes_nothing(make_customer, settings):
    c = make_customer(code="K2", currency=None)
    services.invoice_post(actor=None, customer=c, number="IN1", date=DAY, amount=D("10"))

    changed = customer_update(actor=None, customer=c, data={"currency": "CNY"})

    assert changed.currency.code == settings.KEHU_BASE_CURRENCY == "CNY"
    assert customer_update(actor=None, customer=changed, data={"currency": None}).currency is None
    with pytest.raises(ValidationError):
        customer_update(actor=None, customer=changed, data={"currency": "USD"})


def test_the_api_answers_a_field_error(api, trading):
    response = api.patch(
        f"/api/v1/customers/{trading.pk}", {"currency": "USD"}, **if_match(trading)
    )

    assert_error(response, 422, "validation_error", field="currency", says=SAYS)


def test_the_card_shows_the_error_next_to_the_currency(client, admin_user, trading):
    from tests import factories

    factories.region_tree("31", "3101")
    client.force_login(admin_user)
    data = {
        **card_data(
            code="K1",
            name=trading.name,
            class_code=trading.customer_class.code,
            credit_code="",
            salesperson="",
            credit_grade="",
            currency="USD",
        ),
        "version": str(trading.version),
    }

    response = client.post(edit_url(trading), data)

    assert response.status_code == 200
    assert SAYS in error_next_to(response.content.decode(), "currency")
    assert Customer.objects.get(pk=trading.pk).currency.code == "CNY"


def test_an_import_reports_it_on_the_currency_column(tmp_path, admin_user, trading):
    header = ["客户编码", "客户名称", "所属分类", "币种"]
    row = ["K1", trading.name, trading.customer_class.code, "USD"]

    report = import_file(write_xlsx(tmp_path, {"客户": [header, row]}), actor=admin_user)

    errors = [(e.column, e.message) for e in report.errors]
    assert errors and errors[0][0] == "币种" and SAYS in errors[0][1], errors
    assert Customer.objects.get(pk=trading.pk).currency.code == "CNY"
