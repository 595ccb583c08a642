"""Creating a customer that probably exists: a 409 in the API, a warning on the card."""

from kehu.audit.models import AuditEvent
from kehu.customers.models import Customer
from tests.factories import customer

CUSTOMERS = "/api/v1/customers"
CHECK = "/api/v1/customers/duplicate-check"
NEW = "/customers/new/"
VALID_CREDIT_CODE = "91310000MA1FL0000N"


def new_customer(**fields) -> dict:
    return {"code": "N1", "name": "泰锐家居（上海）股份有限公司", "class_code": "0101", **fields}


def test_a_probable_duplicate_is_refused_with_its_candidates(api, classes):
    existing = customer(code="A1", name="上海泰锐家居有限公司")
    events = AuditEvent.objects.count()

    response = api.post(CUSTOMERS, new_customer())

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "probable_duplicate"
    assert "probably exists already" in body["message"]
    [candidate] = body["candidates"]
    assert candidate["customer"] == {
        "id": existing.pk,
        "code": "A1",
        "name": "上海泰锐家居有限公司",
    }
    assert candidate["score"] == 100
    assert [r["text"] for r in candidate["reasons"]] == ["same name after normalising"]
    assert not Customer.objects.filter(code="N1").exists()
    assert AuditEvent.objects.count() == events  # nothing written, nothing recorded


def test_allow_duplicates_creates_it_anyway(api, classes):
    customer(code="A1", name="上海泰锐家居有限公司")

    response = api.post(f"{CUSTOMERS}?allow_duplicates=true", new_customer())

    assert response.status_code == 201, response.json()
    assert Customer.objects.filter(code="N1").exists()


def test_a_contacts_phone_makes_a_probable_duplicate(api, classes):
    customer(code="A1", name="锦程物流有限公司", phone="021-12345678")

    response = api.post(
        CUSTOMERS, new_customer(contacts=[{"name": "张三", "phone": "+86 21 1234 5678"}])
    )

    assert response.status_code == 409
    reasons = response.json()["candidates"][0]["reasons"]
    assert [r["code"] for r in reasons] == ["phone"]


def test_plain_errors_come_before_the_duplicate_check(api, classes):
    customer(code="N1", name="上海泰锐家居有限公司")

    response = api.post(CUSTOMERS, new_customer())

    assert (response.status_code, response.json()["code"]) == (409, "duplicate")
    assert "code" in response.json()["errors"]


def test_numbered_names_and_deactivated_customers_do_not_block(api, classes):
    customer(name="测试客户1有限公司")
    customer(name="泰锐家居（上海）股份有限公司", deactivated_on="2024-01-01")

    assert api.post(CUSTOMERS, new_customer(name="测试客户2有限公司")).status_code == 201
    assert api.post(CUSTOMERS, new_customer(code="N2")).status_code == 201


def test_the_check_lists_candidates_without_writing(api, classes):
    existing = customer(code="A1", name="锦程物流有限公司", credit_code=VALID_CREDIT_CODE)
    count = Customer.objects.count()

    response = api.post(CHECK, {"name": "泰锐家居", "credit_code": VALID_CREDIT_CODE.lower()})

    assert response.status_code == 200
    [candidate] = response.json()
    assert candidate["customer"]["id"] == existing.pk
    assert [r["text"] for r in candidate["reasons"]] == ["same credit code"]
    assert api.post(CHECK, {"name": "华夏百货"}).json() == []
    itself = {"exclude_id": existing.pk, "credit_code": VALID_CREDIT_CODE}
    assert api.post(CHECK, itself).json() == []
    assert Customer.objects.count() == count


def test_the_check_needs_the_view_permission(api_as, classes):
    assert api_as().post(CHECK, {"name": "泰锐家居"}).status_code == 403


def test_the_check_respects_the_data_scope(client, classes, sales_team):
    from kehu.accounts.services import token_create
    from tests.conftest import ApiClient

    customer(code="O1", name="泰锐家居有限公司", salesperson="S2")
    api = ApiClient(client, token_create(user=sales_team, name="t")[1])

    assert api.post(CHECK, {"name": "上海泰锐家居有限公司"}).json() == []


def test_the_card_warns_and_creates_only_when_confirmed(client, admin_user, classes):
    existing = customer(code="A1", name="上海泰锐家居有限公司")
    client.force_login(admin_user)
    card = {
        "code": "N1",
        "name": "泰锐家居（上海）有限公司",
        "class_code": "0101",
        "kind": "enterprise",
        "country": "CN",
    }

    warned = client.post(NEW, card)

    html = warned.content.decode()
    assert warned.status_code == 200
    assert 'id="duplicate-warning"' in html
    assert f'href="/customers/{existing.pk}/edit/"' in html
    assert "same name after normalising" in html
    assert 'name="confirm_duplicates"' in html
    assert 'value="泰锐家居（上海）有限公司"' in html  # the input is kept
    assert not Customer.objects.filter(code="N1").exists()

    created = client.post(NEW, {**card, "confirm_duplicates": "1"})

    assert created.status_code == 302
    assert Customer.objects.filter(code="N1").exists()
