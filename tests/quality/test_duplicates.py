"""The duplicate report (SPEC §7) as the API, the web page and the CLI show it."""

import pytest
from django.core.management import call_command

from tests.factories import customer

REPORT = "/api/v1/duplicates"
VALID_CREDIT_CODE = "91310000MA1FL0000N"


def pairs(response) -> list[dict]:
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def codes_of(pair: dict) -> set[str]:
    return {pair["left"]["code"], pair["right"]["code"]}


def reasons_of(pair: dict) -> list[str]:
    return [reason["text"] for reason in pair["reasons"]]


def only_pair(response) -> dict:
    found = pairs(response)
    assert len(found) == 1, found
    return found[0]


def test_same_credit_code(api, classes):
    customer(code="A1", name="泰锐家居有限公司", credit_code=VALID_CREDIT_CODE)
    customer(code="A2", name="锦程物流有限公司", credit_code=VALID_CREDIT_CODE)
    customer(code="A3", name="华夏百货有限公司")

    pair = only_pair(api.get(REPORT))

    assert codes_of(pair) == {"A1", "A2"}
    assert pair["score"] == 100
    assert reasons_of(pair) == ["same credit code"]


def test_same_phone_written_differently(api, classes):
    customer(code="A1", name="泰锐家居有限公司", phone="021-1234 5678")
    customer(code="A2", name="锦程物流有限公司", phone="+86 21 12345678")

    pair = only_pair(api.get(REPORT))

    assert codes_of(pair) == {"A1", "A2"}
    assert reasons_of(pair) == ["same phone 02112345678"]
    assert pair["score"] == 85


def test_a_contacts_mobile_and_email_count_too(api, classes):
    customer(
        code="A1",
        name="泰锐家居有限公司",
        contacts=[{"name": "张三", "mobile": "13900001111", "email": "Zhang@Example.com"}],
    )
    customer(code="A2", name="锦程物流有限公司", mobile="139-0000-1111")
    customer(code="A3", name="华夏百货有限公司", email="zhang@example.com")

    found = {frozenset(codes_of(p)): reasons_of(p) for p in pairs(api.get(REPORT))}

    assert found == {
        frozenset({"A1", "A2"}): ["same phone 13900001111"],
        frozenset({"A1", "A3"}): ["same email zhang@example.com"],
    }


def test_names_equal_after_normalising(api, classes):
    customer(code="A1", name="上海泰锐家居有限公司")
    customer(code="A2", name="泰锐家居（上海）股份有限公司")

    pair = only_pair(api.get(REPORT))

    assert codes_of(pair) == {"A1", "A2"}
    assert (pair["score"], reasons_of(pair)) == (100, ["same name after normalising"])


def test_similar_names_with_their_similarity(api, classes):
    customer(code="A1", name="上海泰锐家居用品贸易有限公司")
    customer(code="A2", name="泰锐家居用品商贸有限公司")

    pair = only_pair(api.get(REPORT))

    assert codes_of(pair) == {"A1", "A2"}
    assert reasons_of(pair) == [f"similar names {pair['score']}%"]
    assert 85 <= pair["score"] < 100


def test_evidence_adds_up(api, classes):
    # Names 83 % alike are not enough alone, a shared phone alone scores 85: together 97.
    customer(code="A1", name="泰锐家居用品有限公司", phone="021-12345678")
    customer(code="A2", name="泰锐家具用品有限公司", phone="02112345678")

    pair = only_pair(api.get(REPORT))

    assert pair["score"] == 97
    assert reasons_of(pair) == ["same phone 02112345678", "similar names 83%"]


def test_names_that_differ_only_by_numbers_are_different_customers(api, classes):
    for n in range(1, 12):
        customer(name=f"测试客户{n}有限公司")
    customer(name="泰锐家居第1分公司")
    customer(name="泰锐家居第2分公司")

    assert pairs(api.get(REPORT)) == []


def test_unrelated_customers_make_no_pairs(api, classes):
    for name in ("泰锐家居有限公司", "锦程物流有限公司", "华夏百货有限公司", "东方电气有限公司"):
        customer(name=name)

    assert pairs(api.get(REPORT)) == []


def test_min_score_and_paging(api, classes):
    customer(code="A1", name="泰锐家居有限公司", credit_code=VALID_CREDIT_CODE)
    customer(code="A2", name="锦程物流有限公司", credit_code=VALID_CREDIT_CODE)
    customer(code="B1", name="华夏百货有限公司", phone="021-12345678")
    customer(code="B2", name="东方电气有限公司", phone="021-12345678")

    assert [p["score"] for p in pairs(api.get(REPORT))] == [100, 85]
    assert [p["score"] for p in pairs(api.get(f"{REPORT}?min_score=90"))] == [100]
    second = api.get(f"{REPORT}?page=2&page_size=1").json()
    assert (second["count"], [codes_of(p) for p in second["results"]]) == (2, [{"B1", "B2"}])
    assert api.get(f"{REPORT}?min_score=0").status_code == 422


def test_a_salesperson_sees_only_pairs_among_their_customers(client, classes, sales_team):
    from kehu.accounts.services import token_create
    from tests.conftest import ApiClient

    customer(code="M1", name="泰锐家居有限公司", phone="021-12345678", salesperson="S1")
    customer(code="M2", name="泰锐家居（上海）有限公司", salesperson="S1")
    customer(code="O1", name="泰锐家居股份有限公司", phone="021-12345678", salesperson="S2")
    api = ApiClient(client, token_create(user=sales_team, name="t")[1])

    found = pairs(api.get(REPORT))

    assert [codes_of(p) for p in found] == [{"M1", "M2"}]
    assert "O1" not in str(found)


def test_the_report_page_links_both_cards(client, admin_user, classes):
    first = customer(code="A1", name="上海泰锐家居有限公司")
    second = customer(code="A2", name="泰锐家居（上海）有限公司")
    client.force_login(admin_user)

    html = client.get("/quality/duplicates/").content.decode()

    assert f'href="/customers/{first.pk}/edit/"' in html
    assert f'href="/customers/{second.pk}/edit/"' in html
    assert "same name after normalising" in html
    assert 'href="/quality/duplicates/"' in html  # the menu


def test_the_report_page_with_a_minimum_score(client, admin_user, classes):
    customer(code="B1", name="华夏百货有限公司", phone="021-12345678")
    customer(code="B2", name="东方电气有限公司", phone="021-12345678")
    client.force_login(admin_user)

    assert "东方电气" in client.get("/quality/duplicates/?min_score=85").content.decode()
    html = client.get("/quality/duplicates/?min_score=90").content.decode()
    assert "东方电气" not in html
    assert "No probable duplicates." in html
    assert client.get("/quality/duplicates/?min_score=abc&page=x").status_code == 200


@pytest.mark.django_db
def test_the_cli_prints_the_pairs(capsys, classes):
    customer(code="A1", name="上海泰锐家居有限公司")
    customer(code="A2", name="泰锐家居（上海）有限公司")
    customer(code="B1", name="华夏百货有限公司", phone="021-12345678")
    customer(code="B2", name="东方电气有限公司", phone="021-12345678")

    call_command("duplicates", "--min-score", "90")

    out = capsys.readouterr().out
    assert "A1 上海泰锐家居有限公司" in out
    assert "same name after normalising" in out
    assert "B2" not in out
    assert "1 pairs." in out


@pytest.mark.django_db
def test_the_cli_refuses_a_bad_score():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="between 1 and 100"):
        call_command("duplicates", "--min-score", "101")


def test_similar_names_alone_below_the_threshold_are_not_listed(api, classes):
    customer(code="A1", name="泰锐家居用品有限公司")
    customer(code="A2", name="泰锐家具用品有限公司")

    assert pairs(api.get(REPORT)) == []
    assert reasons_of(only_pair(api.get(f"{REPORT}?min_score=80"))) == ["similar names 83%"]
