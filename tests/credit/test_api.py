"""Credit control through the API: refusals that explain themselves, holds, the approval
queue, policies, and the record of every check."""

from kehu.credit.models import CreditPolicy
from tests.api.asserts import assert_error
from tests.credit.conftest import today

ORDERS = "/api/v1/sales-orders"


def _order(api, customer, number, amount):
    return api.post(
        ORDERS,
        {
            "customer_code": customer.code,
            "number": number,
            "date": today().isoformat(),
            "amount": amount,
        },
    )


def test_a_refused_order_answers_409_with_the_explanation(api_as, make_customer, policy):
    policy("block")
    c = make_customer()
    manager = api_as("sales manager")
    assert _order(manager, c, "SO1", "800.00").status_code == 201

    refused = _order(manager, c, "SO2", "300.00")

    body = assert_error(refused, 409, "credit_refused", says="exceeded by 100.00 CNY")
    assert "open orders 800.00" in body["message"] and "this document 300.00" in body["message"]
    assert body["errors"]["__all__"][0] == "Refused by the credit check."
    assert manager.get(f"{ORDERS}/SO2").status_code == 404
    events = manager.get(f"/api/v1/credit-events?customer={c.code}").json()
    assert [(e["kind"], e["document_number"], e["excess"]) for e in events["results"]] == [
        ("refusal", "SO2", "100.00")
    ]
    assert events["results"][0]["explanation"]["figures"]["limit"] == "1000.00"


def test_a_warned_order_is_saved_with_its_warning(api_as, make_customer, policy):
    policy("warn")
    c = make_customer()
    created = _order(api_as("sales manager"), c, "SO1", "1500.00")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "open"
    assert "exceeded by 500.00" in created.json()["credit_warning"]


def test_held_order_approved_through_the_queue(api_as, make_customer, policy):
    policy("approval")
    c = make_customer()
    manager, controller = api_as("sales manager"), api_as("credit controller")

    held = _order(manager, c, "SO1", "1500.00")

    assert held.status_code == 201, held.json()
    assert held.json()["status"] == "awaiting_approval"
    assert "exceeded by 500.00" in held.json()["credit_warning"]
    queue = controller.get("/api/v1/credit-approvals?status=pending").json()
    assert queue["count"] == 1
    request = queue["results"][0]
    assert (request["order_number"], request["excess"]) == ("SO1", "500.00")
    assert any("exceeded by 500.00" in line for line in request["explanation"]["message"])
    assert_error(
        manager.post(f"/api/v1/credit-approvals/{request['id']}/approve"), 403, "permission_denied"
    )

    approved = controller.post(
        f"/api/v1/credit-approvals/{request['id']}/approve", {"note": "担保已到"}
    )

    assert approved.status_code == 200, approved.json()
    assert (approved.json()["status"], approved.json()["note"]) == ("approved", "担保已到")
    assert manager.get(f"{ORDERS}/SO1").json()["status"] == "open"
    kinds = [e["kind"] for e in manager.get("/api/v1/credit-events?order=SO1").json()["results"]]
    assert kinds == ["approved", "held"]  # newest first
    again = controller.post(f"/api/v1/credit-approvals/{request['id']}/reject", {})
    assert_error(again, 409, "approval_decided")


def test_reopen_through_the_api_is_checked(api_as, make_customer, policy):
    policy("block")
    c = make_customer()
    manager = api_as("sales manager")
    _order(manager, c, "SO1", "700.00")
    manager.post(f"{ORDERS}/SO1/close")
    _order(manager, c, "SO2", "700.00")
    assert_error(manager.post(f"{ORDERS}/SO1/reopen"), 409, "credit_refused")
    manager.post(f"{ORDERS}/SO2/cancel")
    assert manager.post(f"{ORDERS}/SO1/reopen").json()["status"] == "open"


def test_policies_are_set_by_credit_controllers(api_as, grades, classes):
    controller, manager = api_as("credit controller"), api_as("sales manager")
    created = controller.post(
        "/api/v1/credit-policies",
        {"scope": "grade", "credit_grade": "C", "mode": "block", "cash_only": True},
    )
    assert created.status_code == 201, created.json()
    wrong = controller.post(
        "/api/v1/credit-policies",
        {"scope": "grade", "credit_grade": "A", "mode": "block", "cash_only": True},
    )
    assert_error(wrong, 422, "validation_error", field="cash_only", says="lowest")
    unknown = controller.post(
        "/api/v1/credit-policies", {"scope": "class", "customer_class": "99", "mode": "warn"}
    )
    assert_error(unknown, 422, "validation_error", field="customer_class", says="99")
    twice = controller.post(
        "/api/v1/credit-policies", {"scope": "grade", "credit_grade": "C", "mode": "warn"}
    )
    assert_error(twice, 409, "duplicate", says="has a policy already")
    policy_id = created.json()["id"]
    changed = controller.patch(f"/api/v1/credit-policies/{policy_id}", {"mode": "approval"})
    assert changed.json()["mode"] == "approval"
    assert manager.get("/api/v1/credit-policies").json()[0]["credit_grade"] == "C"
    assert_error(
        manager.post("/api/v1/credit-policies", {"scope": "default", "mode": "warn"}),
        403,
        "permission_denied",
    )
    assert controller.delete(f"/api/v1/credit-policies/{policy_id}").status_code == 204
    assert not CreditPolicy.objects.exists()
