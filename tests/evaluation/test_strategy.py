"""Applying the suggested credit terms: only by the credit permission, all or nothing."""

import pytest
from django.core.exceptions import ValidationError

from kehu.accounts.services import user_create
from kehu.audit.models import AuditEvent
from kehu.core.errors import FieldPermissionError
from kehu.customers.models import Customer
from kehu.evaluation.services import evaluation_run, strategy_apply, strategy_preview
from tests.evaluation.example import AS_OF, example_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    example_build()
    return evaluation_run(actor=None, as_of=AS_OF)


def _terms():
    return list(
        Customer.objects.order_by("code").values_list(
            "code", "credit_limit", "credit_days", "discount_rate", "version"
        )
    )


def test_a_user_without_the_credit_permission_changes_nothing(run):
    manager = user_create(username="jingli", password="Kehu-test-2026", roles=["sales manager"])
    before = _terms()
    with pytest.raises(FieldPermissionError):
        strategy_apply(actor=manager, run=run)
    assert _terms() == before


def test_an_unknown_customer_refuses_the_whole_application(run):
    controller = user_create(
        username="caiwu", password="Kehu-test-2026", roles=["credit controller"]
    )
    before = _terms()
    with pytest.raises(ValidationError) as error:
        strategy_apply(actor=controller, run=run, codes=["E1", "NOPE"])
    assert error.value.message_dict == {"customers": ["Not in this run (or not yours): NOPE."]}
    assert _terms() == before


def test_applying_to_all_changes_every_graded_customer_under_one_operation(run):
    controller = user_create(
        username="caiwu", password="Kehu-test-2026", roles=["credit controller"]
    )
    result = strategy_apply(actor=controller, run=run)
    assert result["changed"] == ["E1", "E2", "E3", "E4"]
    terms = {code: (limit, days) for code, limit, days, _d, _v in _terms()}
    assert terms["E1"] == (20000, 60)
    assert terms["E2"] == (0, 0)  # grade D: cash only
    events = AuditEvent.objects.filter(operation_id=result["operation_id"])
    assert events.count() == 4
    assert set(events.values_list("actor_name", flat=True)) == {"caiwu"}
    # Applied once, the preview shows nothing left to change.
    assert all(not item.changes for item in strategy_preview(actor=controller, run=run))
