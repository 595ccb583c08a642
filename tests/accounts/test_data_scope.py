"""Data scopes (SPEC §9): which customers a user sees, everywhere customers are read."""

import json
import re
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.accounts.models import DataScope
from kehu.accounts.services import data_scope_set, token_create, user_create
from kehu.core.errors import ConflictError
from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.masterdata.models import Department, Salesperson
from kehu.masterdata.services import coded_item_create, coded_item_delete, customer_class_create
from tests import factories
from tests.conftest import ApiClient

CUSTOMERS = "/api/v1/customers"
PASSWORD = "Kehu-user-2026"


@pytest.fixture
def world(db):
    """Two departments, three salespeople (two with a login) and five customers.

    ===== ===== ====== ============ ==========
    code  class region salesperson department
    ===== ===== ====== ============ ==========
    A     0101  3101   S1 (li, D1)  -
    B     0102  3102   S2 (D1)      -
    C     0201  3201   S3 (wang,D2) D1
    D     0201  3201   S3 (wang,D2) D2
    E     0101  -      -            -
    ===== ===== ====== ============ ==========
    """
    factories.class_tree("01", "0101", "0102", "02", "0201")
    factories.region_tree("31", "3101", "3102", "32", "3201")
    d1 = coded_item_create(Department, actor=None, data={"code": "D1", "name": "销售一部"})
    d2 = coded_item_create(Department, actor=None, data={"code": "D2", "name": "销售二部"})
    li = user_create(username="li", password=PASSWORD, roles=["sales manager"], scope="own")
    wang = user_create(username="wang", password=PASSWORD, roles=["sales manager"], scope="own")
    for code, department, login in (("S1", d1, li), ("S2", d1, None), ("S3", d2, wang)):
        coded_item_create(
            Salesperson,
            actor=None,
            data={"code": code, "name": f"业务员{code}", "department": department, "user": login},
        )
    rows = {
        "A": ("0101", {"region_code": "3101", "salesperson": "S1", "name": "甲方贸易公司"}),
        "B": ("0102", {"region_code": "3102", "salesperson": "S2"}),
        "C": ("0201", {"region_code": "3201", "salesperson": "S3", "department": "D1"}),
        "D": ("0201", {"region_code": "3201", "salesperson": "S3", "department": "D2"}),
        "E": ("0101", {}),
    }
    customers = {
        code: factories.customer(class_code, code=code, **data)
        for code, (class_code, data) in rows.items()
    }
    return {"li": li, "wang": wang, **customers}


def client_for(client, user) -> ApiClient:
    _token, raw = token_create(user=user, name="tests")
    return ApiClient(client, raw)


def api_codes(api, **params) -> list[str]:
    response = api.get(f"{CUSTOMERS}?{urlencode(params)}")
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def new_user(name: str, roles=("sales manager",), **scope):
    return user_create(username=name, password=PASSWORD, roles=list(roles), **scope)


# Each kind of scope ------------------------------------------------------------------------


def test_own_scope_shows_the_customers_whose_salesperson_is_the_user(client, world):
    assert api_codes(client_for(client, world["li"])) == ["A"]
    assert api_codes(client_for(client, world["wang"])) == ["C", "D"]


def test_department_scope_takes_the_customers_department_or_their_salespersons(client, world):
    boss = new_user("boss", scope="department", scope_department="D1")

    # A and B: their salespeople work in D1; C: the customer itself belongs to D1.
    assert api_codes(client_for(client, boss)) == ["A", "B", "C"]


def test_department_scope_defaults_to_the_users_own_salesperson_department(client, world):
    data_scope_set(actor=None, user=world["wang"], kind="department")

    # wang is S3 of D2: D belongs to D2; C's salesperson S3 works in D2.
    assert api_codes(client_for(client, world["wang"])) == ["C", "D"]
    me = client_for(client, world["wang"]).get("/api/v1/me").json()
    assert me["scope"]["kind"] == "department" and me["scope"]["department"] == "D2"


def test_department_scope_without_any_department_shows_nothing(client, world):
    nobody = new_user("nobody", scope="department")
    assert api_codes(client_for(client, nobody)) == []


def test_classes_scope_takes_whole_subtrees(client, world):
    whole = new_user("whole", scope="classes", scope_classes=["01"])
    leaf = new_user("leaf", scope="classes", scope_classes=["0201"])

    assert api_codes(client_for(client, whole)) == ["A", "B", "E"]
    assert api_codes(client_for(client, leaf)) == ["C", "D"]


def test_a_class_added_later_under_a_scoped_class_is_in_the_scope(client, world):
    factories.class_tree("03")
    user = new_user("grow", scope="classes", scope_classes=["03"])

    # Being chosen in a scope is no "use" that keeps a class a leaf.
    customer_class_create(actor=None, data={"code": "0301", "name": "新分类"})
    factories.customer("0301", code="F")

    assert api_codes(client_for(client, user)) == ["F"]


def test_regions_scope_takes_whole_subtrees(client, world):
    east = new_user("east", scope="regions", scope_regions=["31"])
    one = new_user("one", scope="regions", scope_regions=["3201", "3102"])

    assert api_codes(client_for(client, east)) == ["A", "B"]
    assert api_codes(client_for(client, one)) == ["B", "C", "D"]


def test_all_scope_and_a_superuser_see_everything(client, world, admin_user):
    everyone = new_user("everyone", roles=["auditor"], scope="all")
    # A superuser sees all customers whatever the scope row says.
    data_scope_set(actor=None, user=admin_user, kind="own")

    assert api_codes(client_for(client, everyone)) == ["A", "B", "C", "D", "E"]
    assert api_codes(client_for(client, admin_user)) == ["A", "B", "C", "D", "E"]


@pytest.mark.parametrize(
    ("roles", "expected_kind", "codes"),
    [
        (["salesperson"], "own", ["A"]),
        (["sales manager"], "department", ["A", "B", "C"]),
        (["auditor"], "all", ["A", "B", "C", "D", "E"]),
        (["credit controller"], "all", ["A", "B", "C", "D", "E"]),
        (["salesperson", "auditor"], "all", ["A", "B", "C", "D", "E"]),
    ],
)
def test_without_a_scope_row_the_roles_default_applies(client, world, roles, expected_kind, codes):
    user = world["li"]  # S1 in department D1
    DataScope.objects.filter(user=user).delete()
    user.groups.set(Group.objects.filter(name__in=roles))
    api = client_for(client, user)

    me = api.get("/api/v1/me").json()

    assert me["scope"]["kind"] == expected_kind and me["scope"]["is_default"] is True
    assert api_codes(api) == codes


def test_a_new_user_gets_the_default_of_their_roles_as_a_row(db):
    assert new_user("s", roles=["salesperson"]).data_scope.kind == "own"
    assert new_user("m", roles=["sales manager"]).data_scope.kind == "department"
    assert new_user("a", roles=["administrator"]).data_scope.kind == "all"
    assert new_user("n", roles=[]).data_scope.kind == "own"


def test_anonymous_and_inactive_users_see_no_customer(world):
    world["li"].is_active = False

    assert not customers_visible_to(AnonymousUser()).exists()
    assert not customers_visible_to(world["li"]).exists()
    assert not customers_visible_to(None).exists()


# The API answers an out-of-scope customer like a missing one -------------------------------


def _same_as_missing(out_of_scope, missing, hidden_key, missing_key):
    """Both 404 with the same body but for the key that was asked for."""
    assert out_of_scope.status_code == missing.status_code == 404
    expected = json.dumps(missing.json()).replace(str(missing_key), str(hidden_key))
    assert json.dumps(out_of_scope.json()) == expected


def test_api_answers_an_out_of_scope_customer_exactly_like_a_missing_one(client, world):
    api = client_for(client, world["li"])  # sees A only; may change and delete
    hidden = world["D"]
    missing = Customer.objects.order_by("-pk").first().pk + 1000
    contact = hidden.contacts.create(name="某人")

    for method, suffix, body in (
        ("get", "", None),
        ("patch", "", {"name": "改名公司"}),
        ("delete", "", None),
        ("post", "/deactivate", {}),
        ("post", "/reactivate", {}),
        ("get", "/contacts", None),
        ("post", "/contacts", {"name": "新人"}),
        ("get", f"/contacts/{contact.pk}", None),
        ("delete", f"/contacts/{contact.pk}", None),
        ("get", "/addresses", None),
        ("get", "/bank-accounts", None),
        ("get", "/documents", None),
    ):
        call = getattr(api, method)
        args = (body,) if body is not None else ()
        _same_as_missing(
            call(f"{CUSTOMERS}/{hidden.pk}{suffix}", *args),
            call(f"{CUSTOMERS}/{missing}{suffix}", *args),
            hidden.pk,
            missing,
        )
    _same_as_missing(api.get(f"{CUSTOMERS}/by-code/D"), api.get(f"{CUSTOMERS}/by-code/Z"), "D", "Z")

    hidden.refresh_from_db()
    assert hidden.name != "改名公司" and hidden.deactivated_on is None
    assert list(hidden.contacts.values_list("name", flat=True)) == ["某人"]
    assert api.get(f"{CUSTOMERS}/{world['A'].pk}").status_code == 200


def test_api_filters_and_keyword_search_stay_inside_the_scope(client, world):
    api = client_for(client, world["li"])

    assert api_codes(api, q="D") == []
    assert api_codes(api, code="D") == []
    assert api_codes(api, class_code="02") == []
    assert api_codes(api, q="甲方") == ["A"]
    assert api.get(CUSTOMERS).json()["count"] == 1


def test_api_list_query_count_does_not_grow_for_a_scoped_user(client, world):
    api = client_for(client, world["li"])
    api.get(CUSTOMERS)

    def reads() -> int:
        # not the savepoint and planner setting of PostgreSQL's page read (kehu/core/keyset.py)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(CUSTOMERS).status_code == 200
        skipped = ("SAVEPOINT", "RELEASE", "SET ")
        return len([q for q in queries if not q["sql"].upper().startswith(skipped)])

    with_one = reads()
    for _ in range(10):
        factories.customer("0101", salesperson="S1")
    assert api.get(CUSTOMERS).json()["count"] == 11
    assert reads() == with_one <= 8


# The web UI ----------------------------------------------------------------------------------


def row_codes(response) -> list[str]:
    return re.findall(r'<td class="code">([^<]+)</td>', response.content.decode())


def tree_counts(response) -> dict[str, int]:
    pattern = r'data-code="([^"]+)".*?<span class="count">(\d+)</span>'
    return {code: int(n) for code, n in re.findall(pattern, response.content.decode(), flags=re.S)}


def test_web_list_tree_counts_and_keyword_show_only_visible_customers(client, world):
    client.force_login(world["wang"])  # C and D (both 0201)

    response = client.get("/customers/")

    assert row_codes(response) == ["C", "D"]
    counts = tree_counts(response)
    assert (counts["01"], counts["0101"], counts["02"], counts["0201"]) == (0, 0, 2, 2)
    assert "2 customers" in response.content.decode()
    assert row_codes(client.get("/customers/", {"q": "A"})) == []
    assert row_codes(client.get("/customers/", {"class_code": "01"})) == []


def test_web_card_of_an_out_of_scope_customer_is_not_found(client, world):
    client.force_login(world["li"])
    hidden = world["D"]

    assert client.get(f"/customers/{hidden.pk}/edit/").status_code == 404
    assert client.post(f"/customers/{hidden.pk}/deactivate/").status_code == 404
    assert client.get(f"/customers/{world['A'].pk}/edit/").status_code == 200
    hidden.refresh_from_db()
    assert hidden.deactivated_on is None


# Setting scopes --------------------------------------------------------------------------------


def test_data_scope_set_reports_every_problem(world):
    with pytest.raises(ValidationError) as info:
        data_scope_set(actor=None, user=world["li"], kind="classes", regions=["99"])
    errors = info.value.message_dict
    assert "Choose at least one" in errors["classes"][0]
    assert "99" in errors["regions"][0]

    with pytest.raises(ValidationError) as info:
        data_scope_set(actor=None, user=world["li"], kind="own", department="D1")
    assert "department scope" in info.value.message_dict["department"][0]

    with pytest.raises(ValidationError) as info:
        data_scope_set(actor=None, user=world["li"], kind="everything")
    assert "Unknown data scope" in info.value.message_dict["scope"][0]
    assert world["li"].data_scope.kind == "own"


def test_a_changed_scope_applies_at_once(world):
    li = world["li"]
    assert list(customers_visible_to(li).values_list("code", flat=True)) == ["A"]

    data_scope_set(actor=None, user=li, kind="regions", regions=["32"])

    assert sorted(customers_visible_to(li).values_list("code", flat=True)) == ["C", "D"]


def test_a_department_in_a_scope_cannot_be_deleted(world):
    boss = new_user("boss", scope="department", scope_department="D1")
    Customer.objects.filter(department__code="D1").update(department=None)
    Salesperson.objects.filter(department__code="D1").update(department=None)

    with pytest.raises(ConflictError, match="data scopes"):
        coded_item_delete(Department, actor=None, item=boss.data_scope.department)


def test_the_user_command_creates_users_with_a_scope_and_lists_them(world):
    out = StringIO()
    call_command(
        "user",
        "create",
        "zhao",
        "--password",
        PASSWORD,
        "--role",
        "salesperson",
        "--scope",
        "classes",
        "--classes",
        "01, 0201",
        stdout=out,
    )
    call_command(
        "user", "create", "qian", "--password", PASSWORD, "--role", "sales manager", stdout=out
    )
    DataScope.objects.filter(user__username="wang").delete()

    out = StringIO()
    call_command("user", "list", stdout=out)
    lines = {line.split("\t")[0]: line for line in out.getvalue().splitlines()}

    assert lines["zhao"].endswith("scope: classes 01, 0201")
    assert lines["qian"].endswith("scope: department -")  # no salesperson record yet
    assert lines["li"].endswith("scope: own")
    assert lines["wang"].endswith("scope: department D2 (default)")


def test_the_user_command_refuses_unknown_scope_codes(world):
    with pytest.raises(CommandError) as info:
        call_command(
            "user",
            "create",
            "sun",
            "--password",
            PASSWORD,
            "--scope",
            "regions",
            "--regions",
            "31,88",
        )
    assert "regions" in str(info.value) and "88" in str(info.value)
    assert not get_user_model().objects.filter(username="sun").exists()


def test_the_admin_edits_a_users_scope_beside_the_roles(client, world, admin_user):
    client.force_login(admin_user)

    page = client.get(f"/admin/auth/user/{world['li'].pk}/change/").content.decode()
    listing = client.get("/admin/auth/user/").content.decode()

    assert 'name="data_scope-0-kind"' in page and 'name="groups"' in page
    assert 'name="data_scope-0-classes"' in page and 'name="data_scope-0-department"' in page
    assert "own customers" in listing


def test_the_admins_customer_pages_keep_to_the_scope(client, world):
    li = world["li"]  # sees A only
    li.is_staff = True
    li.save(update_fields=["is_staff"])
    world["D"].contacts.create(name="看不见的人")
    world["A"].contacts.create(name="看得见的人")
    client.force_login(li)

    customers = client.get("/admin/customers/customer/").content.decode()
    contacts = client.get("/admin/customers/contact/").content.decode()

    assert "甲方贸易公司" in customers and world["D"].name not in customers
    assert "看得见的人" in contacts and "看不见的人" not in contacts
    hidden = client.get(f"/admin/customers/customer/{world['D'].pk}/change/")
    missing = client.get("/admin/customers/customer/99999/change/")
    assert hidden.status_code == missing.status_code == 302
    assert hidden["Location"] == missing["Location"]
