"""Saved queries of the customer list (SPEC §3): private or shared, used by the web list and
the web export, owned and changed only by their owner or an administrator."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from kehu.accounts.services import user_create
from kehu.customers.models import SavedQuery
from kehu.customers.selectors import saved_queries_visible_to
from kehu.customers.services import saved_query_create, saved_query_delete, saved_query_update
from tests.customers.test_export import (
    PASSWORD,
    browser,
    build_archive,
    csv_rows,
    export_codes,
    list_codes,
)


@pytest.fixture
def archive(db):
    data = build_archive()
    data["other"] = user_create(username="sales2", password=PASSWORD, roles=["salesperson"])
    return data


def test_a_query_keeps_only_known_non_default_conditions(archive):
    query = saved_query_create(
        actor=archive["admin"],
        data={"name": "第二类", "params": {"class_code": "02", "status": "all", "q": ""}},
    )
    assert query.params == {"class_code": "02"}
    assert query.ordering == ""
    query = saved_query_create(
        actor=archive["admin"],
        data={"name": "倒序", "params": {"status": "active", "ordering": "-name"}},
    )
    assert (query.params, query.ordering) == ({"status": "active"}, "-name")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "maybe"}, "params.status"),
        ({"colour": "red"}, "params.colour"),
        ({"q": "x" * 101}, "params.q"),
        ({"q": 5}, "params.q"),
        ({"ordering": "size"}, "ordering"),
        ("status=active", "params"),
    ],
)
def test_invalid_conditions_are_refused_per_field(archive, params, field):
    with pytest.raises(ValidationError) as info:
        saved_query_create(actor=archive["admin"], data={"name": "坏", "params": params})
    assert field in info.value.message_dict
    assert not SavedQuery.objects.exists()


def test_a_name_is_unique_per_owner(archive):
    saved_query_create(actor=archive["seller"], data={"name": "我的", "params": {}})
    with pytest.raises(ValidationError) as info:
        saved_query_create(actor=archive["seller"], data={"name": "我的", "params": {}})
    assert "name" in info.value.message_dict
    saved_query_create(actor=archive["other"], data={"name": "我的", "params": {}})
    assert SavedQuery.objects.count() == 2


def test_others_see_shared_queries_but_not_private_ones(archive):
    private = saved_query_create(actor=archive["seller"], data={"name": "私有"})
    shared = saved_query_create(actor=archive["seller"], data={"name": "共享", "shared": True})
    assert set(saved_queries_visible_to(archive["seller"])) == {private, shared}
    assert list(saved_queries_visible_to(archive["other"])) == [shared]


def test_only_the_owner_or_an_administrator_changes_or_deletes(archive):
    shared = saved_query_create(actor=archive["seller"], data={"name": "共享", "shared": True})
    with pytest.raises(PermissionDenied):
        saved_query_update(actor=archive["other"], query=shared, data={"name": "改"})
    with pytest.raises(PermissionDenied):
        saved_query_delete(actor=archive["other"], query=shared)
    shared.refresh_from_db()
    assert shared.name == "共享"
    saved_query_update(actor=archive["seller"], query=shared, data={"name": "改名"})
    saved_query_update(actor=archive["admin"], query=shared, data={"shared": False})
    shared.refresh_from_db()
    assert (shared.name, shared.shared) == ("改名", False)
    saved_query_delete(actor=archive["admin"], query=shared)
    assert not SavedQuery.objects.exists()


# The web list and export ----------------------------------------------------------------


def test_the_list_and_the_export_apply_a_saved_query(archive):
    query = saved_query_create(
        actor=archive["admin"], data={"name": "第二类在用", "params": {"class_code": "02"}}
    )
    client = browser(archive["admin"])
    assert list_codes(client, f"saved={query.pk}") == ["B1", "C1"]
    assert export_codes(client, f"saved={query.pk}") == ["B1", "C1"]
    # explicit parameters override the saved ones
    assert list_codes(client, f"saved={query.pk}&status=active") == ["B1"]
    assert export_codes(client, f"saved={query.pk}&status=active") == ["B1"]
    assert list_codes(client, f"saved={query.pk}&class_code=01") == ["0101", "A2"]


def test_the_data_scope_still_applies(archive):
    query = saved_query_create(
        actor=archive["admin"], data={"name": "全部在用", "shared": True, "params": {}}
    )
    client = browser(archive["seller"])
    assert list_codes(client, f"saved={query.pk}") == ["0101", "A2"]
    assert export_codes(client, f"saved={query.pk}") == ["0101", "A2"]


def test_a_private_query_of_another_user_is_refused_with_a_message(archive):
    private = saved_query_create(
        actor=archive["admin"], data={"name": "私有", "params": {"class_code": "02"}}
    )
    client = browser(archive["seller"])
    response = client.get(f"/customers/?saved={private.pk}")
    assert response.status_code == 200
    assert "The saved query does not exist or is not shared with you." in response.content.decode()
    assert list_codes(client, f"saved={private.pk}") == ["0101", "A2"]
    response = client.get(f"/customers/export/?saved={private.pk}&format=csv")
    assert response.status_code == 400
    assert "There is no saved query" in response.content.decode()


def test_saving_from_the_list_page_and_deleting(archive):
    client = browser(archive["seller"])
    page = client.get("/customers/?q=西湖").content.decode()
    assert 'action="/customers/queries/"' in page
    response = client.post(
        "/customers/queries/", {"name": "西湖", "query": "q=西湖&page=2&saved=99", "shared": "on"}
    )
    query = SavedQuery.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/?saved={query.pk}"
    assert (query.owner, query.shared, query.params) == (archive["seller"], True, {"q": "西湖"})
    assert list_codes(client, f"saved={query.pk}") == ["A2"]
    # another user sees it shared but may not delete it
    other = browser(archive["other"])
    assert f'<option value="{query.pk}"' in other.get("/customers/").content.decode()
    other.post("/customers/queries/", {"delete": str(query.pk)})
    assert SavedQuery.objects.filter(pk=query.pk).exists()
    client.post("/customers/queries/", {"delete": str(query.pk)})
    assert not SavedQuery.objects.exists()


def test_saving_with_a_bad_name_or_condition_shows_a_message(archive):
    client = browser(archive["seller"])
    response = client.post(
        "/customers/queries/", {"name": "", "query": "status=maybe"}, follow=True
    )
    assert not SavedQuery.objects.exists()
    text = response.content.decode()
    assert "This field cannot be blank." in text or "Status: Choose one of" in text


def test_kehu_export_takes_a_saved_query_by_name_or_id(archive, tmp_path):
    shared = saved_query_create(
        actor=archive["admin"],
        data={"name": "第二类", "shared": True, "params": {"class_code": "02"}},
    )
    private = saved_query_create(actor=archive["admin"], data={"name": "私有"})
    target = tmp_path / "out.csv"

    def codes(*args):
        call_command("export", str(target), "--columns", "code", *args)
        return [row[0] for row in csv_rows(target.read_bytes())[1:]]

    assert codes("--saved", "第二类") == ["B1", "C1"]
    assert codes("--saved", str(shared.pk), "--status", "active") == ["B1"]
    # with --user: that user's data scope, and only queries they may use
    assert codes("--saved", "第二类", "--user", "sales1", "--class", "01") == ["0101", "A2"]
    with pytest.raises(CommandError, match="There is no saved query"):
        codes("--saved", str(private.pk), "--user", "sales1")
