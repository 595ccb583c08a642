"""The merge page (SPEC §7): from the duplicate report, choose per field, merge, see the card."""

import re

import pytest
from django.urls import reverse

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.customers.services import customer_update
from tests.factories import customer


@pytest.fixture
def twins(classes):
    a = customer(
        code="A1",
        name="上海泰锐家居有限公司",
        phone="021-55550000",
        contacts=[{"name": "张伟", "is_primary": True}],
    )
    b = customer(
        code="B1",
        name="泰锐家居（上海）有限公司",
        phone="021-55550000",
        remarks="老客户",
        contacts=[{"name": "刘洋", "is_primary": True}],
    )
    return a, b


def logged_in(client, *roles, credit=False):
    user = user_create(username="u", password="Kehu-user-2026", roles=list(roles), scope="all")
    client.force_login(user)
    return client


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def versions(a, b) -> dict:
    return {
        "survivor_version": Customer.objects.get(pk=a.pk).version,
        "other_version": Customer.objects.get(pk=b.pk).version,
    }


def test_the_report_offers_merge_to_those_who_may(client, twins):
    a, b = twins
    manager = logged_in(client, "sales manager")

    text = page_text(manager.get(reverse("quality:duplicates")))

    assert reverse("quality:merge", args=[a.pk, b.pk]) in text
    assert "Merge…" in text


def test_the_report_offers_no_merge_without_the_delete_permission(client, twins):
    seller = logged_in(client, "salesperson")
    text = page_text(seller.get(reverse("quality:duplicates")))
    assert "Merge…" not in text and "/quality/merge/" not in text


def test_the_page_shows_the_differing_fields_with_the_defaults_chosen(client, twins):
    a, b = twins
    response = logged_in(client, "administrator").get(reverse("quality:merge", args=[a.pk, b.pk]))

    text = page_text(response)
    assert response.status_code == 200
    assert "B1 泰锐家居（上海）有限公司</strong> will be merged into <strong>A1" in text
    assert 'name="choice-name" value="survivor" checked' in text
    assert 'name="choice-remarks" value="other" checked' in text  # the survivor's is empty
    assert 'name="choice-phone"' not in text  # equal on both
    assert 'name="choice-contacts.primary" value="survivor" checked' in text
    assert "Both customers have a primary contact (张伟; 刘洋)" in text
    assert reverse("quality:merge", args=[b.pk, a.pk]) in text  # swap


def test_merging_from_the_page_lands_on_the_survivors_card(client, twins):
    a, b = twins
    admin = logged_in(client, "administrator")

    response = admin.post(
        reverse("quality:merge", args=[a.pk, b.pk]),
        {"choice-name": "other", **versions(a, b)},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("customers:edit", args=[a.pk])
    text = page_text(response)
    assert "B1 泰锐家居（上海）有限公司 was merged into A1." in text
    assert "刘洋" in text
    survivor = Customer.objects.get(pk=a.pk)
    assert survivor.name == "泰锐家居（上海）有限公司" and survivor.remarks == "老客户"
    assert not Customer.objects.filter(pk=b.pk).exists()


def test_a_customer_changed_meanwhile_is_shown_again_and_nothing_merged(client, twins):
    a, b = twins
    admin = logged_in(client, "administrator")
    opened = versions(a, b)
    customer_update(actor=None, customer=b, data={"remarks": "刚改过"})

    response = admin.post(
        reverse("quality:merge", args=[a.pk, b.pk]), {"choice-remarks": "other", **opened}
    )

    text = page_text(response)
    assert response.status_code == 200
    assert "One of the customers was changed meanwhile" in text
    assert "刚改过" in text  # the page shows the values as they are now
    assert Customer.objects.filter(pk=b.pk).exists()


def test_credit_terms_of_the_other_are_not_offered_without_the_credit_permission(client, twins):
    a, b = twins
    customer_update(actor=None, customer=b, data={"credit_limit": "50000"})
    manager = logged_in(client, "sales manager")
    url = reverse("quality:merge", args=[a.pk, b.pk])

    text = page_text(manager.get(url))
    refused = manager.post(url, {"choice-credit_limit": "other", **versions(a, b)})

    assert 'name="choice-credit_limit" value="other" disabled' in text
    assert "Credit limit: Only credit controllers and administrators" in page_text(refused)
    assert Customer.objects.filter(pk=b.pk).exists()


def test_the_same_customer_twice_is_explained(client, twins):
    a, _b = twins
    response = logged_in(client, "administrator").get(reverse("quality:merge", args=[a.pk, a.pk]))
    assert response.status_code == 200
    assert "Choose two different customers." in page_text(response)


def test_a_customer_outside_the_scope_is_not_found(client, twins):
    a, b = twins
    user = user_create(
        username="m", password="Kehu-user-2026", roles=["sales manager"], scope="own"
    )
    client.force_login(user)
    assert client.get(reverse("quality:merge", args=[a.pk, b.pk])).status_code == 404


def test_the_survivors_history_tells_of_the_merge_and_keeps_the_others(client, twins):
    a, b = twins
    admin = logged_in(client, "administrator")
    admin.post(reverse("quality:merge", args=[a.pk, b.pk]), versions(a, b))

    text = page_text(admin.get(reverse("customers:edit", args=[a.pk]) + "?tab=history"))

    assert 'class="audit-merge"' in text
    assert "merged into this customer</span>: B1 泰锐家居（上海）有限公司" in text
    # The merged customer's own creation is still there, under the survivor.
    created = r'<tr class="audit-create">(?:(?!</tr>).)*</span> B1 泰锐家居（上海）有限公司</td>'
    assert re.search(created, text)


def test_values_are_shown_as_text_never_as_markup(client, classes):
    a = customer(code="X1", name="<script>alert(1)</script>甲公司", remarks="<b>粗</b>")
    b = customer(code="X2", name="<img src=x onerror=alert(2)>乙公司")

    html = (
        logged_in(client, "administrator")
        .get(reverse("quality:merge", args=[a.pk, b.pk]))
        .content.decode()
    )

    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>粗</b>" not in html
