"""Merging two customers (SPEC §7) as the API and the audit trail show it.

Given two customers that are the same one, when one is merged into the other, then the survivor
has both customers' contacts, addresses, bank accounts, documents, branches and the documents of
other apps (``tests.documents``), the values chosen per field, and the other is gone; a refused
merge writes nothing.
"""

from decimal import Decimal

import pytest

from kehu.audit.models import AuditEvent
from kehu.customers.models import Contact, Customer
from kehu.customers.services import customer_update, user_field_create
from kehu.masterdata import models as md
from kehu.masterdata.services import coded_item_create
from kehu.quality.merge import customer_merge, customer_merge_preview
from tests.documents.models import StandInInvoice
from tests.factories import customer

PREVIEW = "/api/v1/customers/merge/preview"
MERGE = "/api/v1/customers/merge"


def fingerprint() -> list:
    """What a refused merge must leave as it was."""
    return [
        list(Customer.objects.order_by("pk").values_list("pk", "name", "version", "parent_id")),
        list(Contact.objects.order_by("pk").values_list("pk", "customer_id", "is_primary")),
        list(StandInInvoice.objects.order_by("pk").values_list("pk", "customer_id")),
        AuditEvent.objects.count(),
    ]


@pytest.fixture
def pair(classes):
    """A (survivor) and B (other), the same firm entered twice, each with its own records."""
    user_field_create(
        actor=None,
        data={"key": "grade", "label_zh": "等级", "label_en": "Grade", "field_type": "text"},
    )
    a = customer(
        code="A1",
        name="上海泰锐家居有限公司",
        phone="021-55550000",
        tags=["华东"],
        user_fields={"grade": "一级"},
        contacts=[{"name": "张伟", "is_primary": True}],
        addresses=[{"address": "上海市浦东新区1号", "is_default": True}],
        bank_accounts=[
            {"bank_name": "工商银行", "account_number": "6222000011112222", "is_default": True}
        ],
    )
    b = customer(
        code="B1",
        name="泰锐家居（上海）有限公司",
        phone="021-55550000",
        email="info@tairui.example",
        remarks="老客户",
        tags=["重点"],
        user_fields={"grade": "二级"},
        contacts=[{"name": "刘洋", "is_primary": True}, {"name": "陈静"}],
        addresses=[{"address": "上海市闵行区2号", "is_default": True}],
        bank_accounts=[
            {"bank_name": "工商银行", "account_number": "6222000011112222"},
            {"bank_name": "建设银行", "account_number": "6217000033334444", "is_default": True},
        ],
        documents=[{"kind": "business_licence", "number": "NO-B"}],
    )
    StandInInvoice.objects.create(customer=b, number="INV-B1")
    StandInInvoice.objects.create(customer=b, number="INV-B2")
    branch = customer(code="B1-01", name="泰锐家居闵行分店", parent_code="B1")
    return a, b, branch


def body(a, b, **choices) -> dict:
    return {
        "survivor": a.pk,
        "other": b.pk,
        "choices": choices,
        "survivor_version": Customer.objects.get(pk=a.pk).version,
        "other_version": Customer.objects.get(pk=b.pk).version,
    }


def fields_of(preview: dict) -> dict:
    return {field["key"]: field for field in preview["fields"]}


def test_the_preview_shows_both_values_defaults_moves_and_conflicts(api, pair):
    a, b, _branch = pair
    before = fingerprint()

    response = api.post(PREVIEW, {"survivor": a.pk, "other": b.pk})

    assert response.status_code == 200, response.json()
    preview = response.json()
    assert fingerprint() == before  # nothing written
    assert (preview["survivor"]["code"], preview["other"]["code"]) == ("A1", "B1")
    fields = fields_of(preview)
    assert "code" not in fields  # the survivor's code stays
    assert fields["name"]["survivor"] == "上海泰锐家居有限公司"
    assert fields["name"]["other"] == "泰锐家居（上海）有限公司"
    assert fields["name"]["default"] == "survivor"
    # An empty value of the survivor defaults to the other's.
    assert (fields["email"]["survivor"], fields["email"]["default"]) == ("", "other")
    assert fields["phone"]["differs"] is False
    assert fields["user_fields.grade"]["survivor_text"] == "一级"
    assert fields["credit_limit"]["needs_credit_permission"] is True
    assert fields["contacts.primary"]["survivor_text"] == "张伟"
    assert fields["contacts.primary"]["other_text"] == "刘洋"
    moves = {move["key"]: move["count"] for move in preview["moves"]}
    assert moves == {
        "contacts": 2,
        "addresses": 1,
        "bank_accounts": 1,  # the shared account number stays once
        "documents": 1,
        "branches": 1,
        "testdocuments.standininvoice": 2,
        # The sales app's documents: the preview lists every relation, even without rows.
        "sales.salesorder": 0,
        "sales.salesinvoice": 0,
        "sales.receipt": 0,
        "sales.settlement": 0,
        # The evaluation's ratings and results follow the customer too.
        "evaluation.manualrating": 0,
        "evaluation.customerevaluation": 0,
        # Credit control's holds and records (by customer and by credit unit).
        "credit.creditapproval": 0,
        "credit.creditevent": 0,
    }
    conflicts = {conflict["code"]: conflict["message"] for conflict in preview["conflicts"]}
    assert "张伟" in conflicts["two_contacts_primary"]
    assert "6222000011112222" in conflicts["shared_bank_account"]
    assert not any(conflict["blocking"] for conflict in preview["conflicts"])
    assert preview["tags"] == ["华东", "重点"]


def test_merging_moves_everything_to_the_survivor_and_deletes_the_other(api, pair):
    a, b, branch = pair

    response = api.post(
        MERGE,
        body(a, b, name="other", remarks="other", **{"user_fields.grade": "other"}),
    )

    assert response.status_code == 200, response.json()
    merged = response.json()
    assert not Customer.objects.filter(pk=b.pk).exists()
    assert merged["id"] == a.pk and merged["code"] == "A1"
    # Chosen values from the other, defaults elsewhere (the survivor had no email).
    assert merged["name"] == "泰锐家居（上海）有限公司"
    assert merged["remarks"] == "老客户"
    assert merged["email"] == "info@tairui.example"
    assert merged["user_fields"] == {"grade": "二级"}
    assert sorted(merged["tags"]) == ["华东", "重点"]
    assert response["ETag"] == f'"{merged["version"]}"'
    # Children: the survivor's primary contact and defaults stay; the shared account once.
    contacts = {c["name"]: c["is_primary"] for c in merged["contacts"]}
    assert contacts == {"张伟": True, "刘洋": False, "陈静": False}
    assert [a["is_default"] for a in merged["addresses"]] == [True, False]
    accounts = {acc["account_number"]: acc["is_default"] for acc in merged["bank_accounts"]}
    assert accounts == {"6222000011112222": True, "6217000033334444": False}
    assert [d["number"] for d in merged["documents"]] == ["NO-B"]
    # The branch and the other app's documents refer to the survivor.
    assert Customer.objects.get(pk=branch.pk).parent_id == a.pk
    assert Customer.objects.get(pk=branch.pk).version == branch.version + 1
    assert set(StandInInvoice.objects.values_list("customer_id", flat=True)) == {a.pk}
    # The other's code is free again.
    assert api.get("/api/v1/customers/by-code/B1").status_code == 404


def test_the_flags_of_the_other_can_be_chosen(api, pair):
    a, b, _branch = pair

    response = api.post(
        MERGE,
        body(
            a,
            b,
            **{
                "contacts.primary": "other",
                "addresses.default": "other",
                "bank_accounts.default": "other",
            },
        ),
    )

    assert response.status_code == 200, response.json()
    merged = response.json()
    assert {c["name"] for c in merged["contacts"] if c["is_primary"]} == {"刘洋"}
    assert [a["address"] for a in merged["addresses"] if a["is_default"]] == ["上海市闵行区2号"]
    defaults = [acc["account_number"] for acc in merged["bank_accounts"] if acc["is_default"]]
    assert defaults == ["6217000033334444"]


def test_the_merge_is_audited_under_one_operation_with_a_merge_event(api, pair):
    a, b, _branch = pair
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    assert api.post(MERGE, body(a, b, name="other")).status_code == 200

    events = AuditEvent.objects.filter(id__gt=start)
    operations = set(events.values_list("operation_id", flat=True))
    assert len(operations) == 1 and next(iter(operations)).startswith("merge-")
    merge = events.get(action="merge")
    assert merge.customer_id == a.pk
    assert merge.changes["merged_customer"] == [None, f"B1 {b.name}"]
    assert merge.changes["merged_customer_id"] == [None, b.pk]
    assert merge.changes["moved"][1]["stand-in invoices"] == 2
    invoice_events = events.filter(content_type__model="standininvoice")
    assert invoice_events.count() == 2
    # Recorded as it was at the time (the survivor took the other's name afterwards).
    assert {e.changes["customer"][1] for e in invoice_events} == {f"A1 {a.name}"}
    assert events.filter(action="delete", customer_id=b.pk, content_type__model="customer").exists()
    # The survivor's history shows the merge and the merged customer's own earlier history.
    history = api.get(f"/api/v1/customers/{a.pk}/history?page_size=200").json()["results"]
    actions = {(e["action"], e["customer_id"]) for e in history}
    assert ("merge", a.pk) in actions
    assert ("create", b.pk) in actions


def test_the_duplicate_report_no_longer_lists_the_pair(api, pair):
    a, b, _branch = pair
    report = api.get("/api/v1/duplicates").json()["results"]
    assert {(p["left"]["code"], p["right"]["code"]) for p in report} >= {("A1", "B1")}

    assert api.post(MERGE, body(a, b)).status_code == 200

    report = api.get("/api/v1/duplicates").json()["results"]
    assert all("B1" not in (p["left"]["code"], p["right"]["code"]) for p in report)


def test_a_stale_version_is_refused_with_412_and_nothing_written(api, pair):
    a, b, _branch = pair
    sent = body(a, b)
    customer_update(actor=None, customer=b, data={"remarks": "改过"})
    before = fingerprint()

    response = api.post(MERGE, sent)

    assert response.status_code == 412
    assert response.json()["code"] == "stale"
    assert "B1" in response.json()["message"]
    assert fingerprint() == before


def test_bad_choices_are_field_errors(api, pair):
    a, b, _branch = pair
    before = fingerprint()

    unknown = api.post(MERGE, body(a, b, code="other", nonsense="other"))
    bad_side = api.post(MERGE, body(a, b, name="both"))

    assert unknown.status_code == 422
    assert set(unknown.json()["errors"]) == {"choices.code", "choices.nonsense"}
    assert bad_side.status_code == 422
    assert "choices.name" in bad_side.json()["errors"]
    assert fingerprint() == before


def test_merging_a_customer_with_itself_is_refused(api, pair):
    a, _b, _branch = pair
    response = api.post(MERGE, body(a, a))
    assert response.status_code == 422
    assert "other" in response.json()["errors"]


@pytest.fixture
def sales(pair):
    for code in ("D1", "D2"):
        coded_item_create(md.Department, actor=None, data={"code": code, "name": f"部门{code}"})
    coded_item_create(
        md.Salesperson, actor=None, data={"code": "S2", "name": "乙", "department": "D2"}
    )
    return pair


def test_a_customer_outside_the_scope_answers_404_like_a_missing_one(api_as, sales):
    a, b, _branch = sales
    customer_update(actor=None, customer=a, data={"department": "D1"})
    customer_update(actor=None, customer=b, data={"salesperson": "S2", "department": "D2"})
    manager = api_as("sales manager", scope={"scope": "department", "scope_department": "D1"})
    assert manager.get(f"/api/v1/customers/{a.pk}").status_code == 200
    before = fingerprint()

    invisible = manager.post(MERGE, body(a, b))
    missing = manager.post(MERGE, {**body(a, b), "other": 10**9})
    preview = manager.post(PREVIEW, {"survivor": a.pk, "other": b.pk})

    assert invisible.status_code == missing.status_code == preview.status_code == 404
    assert invisible.json()["message"].replace(str(b.pk), "X") == missing.json()["message"].replace(
        str(10**9), "X"
    )
    assert fingerprint() == before


def test_without_the_delete_permission_the_merge_is_forbidden(api_as, pair):
    a, b, _branch = pair
    salesperson = api_as("salesperson")
    before = fingerprint()
    response = salesperson.post(MERGE, body(a, b))
    assert response.status_code == 403
    assert fingerprint() == before


def test_credit_terms_from_the_other_need_the_credit_permission(api_as, pair):
    a, b, _branch = pair
    customer_update(actor=None, customer=b, data={"credit_limit": "50000"})
    manager = api_as("sales manager")
    before = fingerprint()

    refused = manager.post(MERGE, body(a, b, credit_limit="other"))

    assert refused.status_code == 403
    assert refused.json()["code"] == "field_forbidden"
    assert set(refused.json()["errors"]) == {"credit_limit"}
    assert fingerprint() == before
    # For this user the survivor's (empty) credit limit is the default, and merging keeps it.
    preview = manager.post(PREVIEW, {"survivor": a.pk, "other": b.pk}).json()
    assert fields_of(preview)["credit_limit"]["default"] == "survivor"
    kept = manager.post(MERGE, body(a, b))
    assert kept.status_code == 200, kept.json()
    assert kept.json()["credit_limit"] is None


def test_a_credit_controller_may_take_the_others_credit_terms(pair):
    a, b, _branch = pair
    customer_update(actor=None, customer=b, data={"credit_limit": "50000"})

    merged = customer_merge(actor=None, survivor=a, other=b, choices={"credit_limit": "other"})

    assert merged.credit_limit == Decimal("50000")


def test_a_merge_that_makes_the_survivor_its_own_head_office_is_refused(api, pair):
    _a, b, branch = pair
    before = fingerprint()

    # The branch keeps its head office B1, which is merged into the branch itself.
    refused = api.post(MERGE, body(branch, b, parent_code="survivor"))

    assert refused.status_code == 409
    assert refused.json()["code"] == "own_head_office"
    assert fingerprint() == before
    # By default the branch takes the head office of B1 (none), and the merge goes through.
    preview = api.post(PREVIEW, {"survivor": branch.pk, "other": b.pk}).json()
    assert fields_of(preview)["parent_code"]["default"] == "other"
    merged = api.post(MERGE, body(branch, b))
    assert merged.status_code == 200, merged.json()
    assert merged.json()["parent_code"] is None


def test_the_head_office_merged_into_its_branch_keeps_the_branch_out_of_its_own_group(api, pair):
    _a, b, branch = pair
    refused = api.post(MERGE, body(b, branch, parent_code="other"))
    assert refused.status_code == 409
    assert refused.json()["code"] == "own_head_office"


def test_a_system_merge_keeps_documents_balances_and_the_later_transaction(pair):
    a, b, _branch = pair
    Customer.objects.filter(pk=b.pk).update(
        receivable_balance=Decimal("100.00"),
        last_transaction_on="2026-10-01",
        last_transaction_amount=Decimal("88.00"),
    )
    Customer.objects.filter(pk=a.pk).update(receivable_balance=Decimal("20.00"))

    preview = customer_merge_preview(actor=None, survivor=a, other=b)
    merged = customer_merge(actor=None, survivor=preview.survivor, other=preview.other)

    assert merged.receivable_balance == Decimal("120.00")
    assert str(merged.last_transaction_on) == "2026-10-01"
    assert merged.last_transaction_amount == Decimal("88.00")


def test_the_command_line_merges_taking_the_fields_named(pair, capsys):
    from django.core.management import call_command

    a, b, _branch = pair

    call_command("merge", "A1", "B1", "--take", "name,user_fields.grade")

    out = capsys.readouterr().out
    assert "B1 泰锐家居（上海）有限公司 was merged into A1." in out
    merged = Customer.objects.get(pk=a.pk)
    assert merged.name == "泰锐家居（上海）有限公司"
    assert merged.user_fields == {"grade": "二级"}
    assert not Customer.objects.filter(pk=b.pk).exists()


def test_the_command_line_dry_run_and_errors_write_nothing(pair, capsys):
    from django.core.management import CommandError, call_command

    before = fingerprint()

    call_command("merge", "A1", "B1", "--dry-run")
    with pytest.raises(CommandError, match=r"choices\.frob: Unknown field"):
        call_command("merge", "A1", "B1", "--take", "frob")
    with pytest.raises(CommandError, match="No customer NOPE"):
        call_command("merge", "A1", "NOPE")

    assert "B1" in capsys.readouterr().out
    assert fingerprint() == before
