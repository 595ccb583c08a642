"""The demo generator: deterministic, valid, unique data in the services' vocabulary."""

import datetime
import itertools

import pytest
from stdnum.cn import uscc
from stdnum.de import vat as de_vat
from stdnum.jp import cn as jp_cn
from stdnum.sg import uen as sg_uen
from stdnum.us import ein as us_ein

from kehu.customers import fields
from kehu.demo import generator, tables

REFERENCE_DATE = datetime.date(2026, 3, 15)
TAX_NUMBER_CHECKS = {
    "CN": uscc.is_valid,
    "DE": de_vat.is_valid,
    "JP": jp_cn.is_valid,
    "SG": sg_uen.is_valid,
    "US": us_ein.is_valid,
}
CHILD_FIELDS = {
    "contacts": fields.CONTACT_FIELDS,
    "addresses": fields.ADDRESS_FIELDS,
    "bank_accounts": fields.BANK_FIELDS,
    "documents": fields.DOCUMENT_FIELDS,
}


def customers(count, seed=generator.DEFAULT_SEED):
    return list(generator.generate_customers(count, seed=seed, reference_date=REFERENCE_DATE))


@pytest.fixture(scope="module")
def many():
    return customers(3000)


def test_same_seed_and_date_give_the_same_customers():
    assert customers(60, seed=7) == customers(60, seed=7)
    assert customers(60, seed=7) != customers(60, seed=8)


def test_a_longer_stream_starts_with_the_shorter_one():
    assert customers(120)[:40] == customers(40)


def test_every_credit_code_passes_its_countrys_check(many):
    chinese = [c for c in many if c["country"] == "CN"]
    assert len(chinese) > 0.9 * len(many)
    assert all(uscc.is_valid(c["credit_code"]) for c in chinese)
    assert all(TAX_NUMBER_CHECKS[c["country"]](c["credit_code"]) for c in many)
    licences = [d for c in chinese for d in c["documents"] if d["kind"] == "business_licence"]
    assert all(uscc.is_valid(d["number"]) for d in licences)


def test_names_and_credit_codes_are_unique(many):
    names = [c["name"] for c in many]
    assert len(set(names)) == len(names)
    codes = [c["credit_code"] for c in many]
    assert len(set(codes)) == len(codes)


def test_names_stay_unique_at_benchmark_scale():
    """A name is place + 字号 (two characters) + industry word + form, and the generator hands
    out each (字号, word) pair once: so no place may begin another, and a word and a form can
    be put together in only one way."""
    for a, b in itertools.permutations(tables.PLACES, 2):
        assert not b.startswith(a), (a, b)
    forms = set(tables.COMPANY_FORMS + tables.LARGE_FORMS + tables.SHOP_FORMS)
    endings = {}
    for word in tables.INDUSTRY_WORDS:
        for form in forms:
            assert endings.setdefault(word + form, word) == word, word + form
    assert tables.NAME_CAPACITY >= 1_000_000


def test_records_use_only_the_vocabulary_of_customer_create(many):
    for customer in many:
        assert set(customer) <= fields.INPUT_FIELDS
        for kind, accepted in CHILD_FIELDS.items():
            for row in customer[kind]:
                assert set(row) <= set(accepted), (kind, row)


def test_children_have_one_primary_and_one_default(many):
    for customer in many:
        assert [c["is_primary"] for c in customer["contacts"]].count(True) == 1
        assert [a["is_default"] for a in customer["addresses"]].count(True) == 1
        assert [b["is_default"] for b in customer["bank_accounts"]].count(True) == 1


def test_branches_belong_to_earlier_active_head_offices(many):
    seen = {}
    branches = 0
    for customer in many:
        parent = customer.get("parent_code")
        if parent:
            branches += 1
            assert parent in seen
            assert seen[parent]["deactivated_on"] is None
            assert customer["name"].startswith(seen[parent]["name"])
        seen[customer["code"]] = customer
    assert 0.04 * len(many) < branches < 0.15 * len(many)


def test_dates_lie_in_the_past_and_licences_expire_around_the_reference_date(many):
    for customer in many:
        assert customer["founded_on"] <= customer["developed_on"] <= REFERENCE_DATE
        if customer["deactivated_on"]:
            assert customer["developed_on"] < customer["deactivated_on"] <= REFERENCE_DATE
        for document in customer["documents"]:
            assert document["valid_from"] <= REFERENCE_DATE
            if document["valid_to"]:
                assert document["valid_to"] >= document["valid_from"]
    ends = [d["valid_to"] for c in many for d in c["documents"] if d["valid_to"]]
    assert any(end < REFERENCE_DATE for end in ends)
    assert any(0 <= (end - REFERENCE_DATE).days <= 30 for end in ends)


def test_even_a_small_demo_shows_a_branch_an_expired_licence_and_an_overseas_customer():
    small = customers(10)
    assert any(c.get("parent_code") for c in small)
    assert any(c["country"] != "CN" for c in small)
    ends = [d["valid_to"] for c in small for d in c["documents"] if d["valid_to"]]
    assert any(end < REFERENCE_DATE for end in ends)
    assert any(0 <= (end - REFERENCE_DATE).days <= 30 for end in ends)


def test_codes_follow_the_trees():
    classes = {row["code"] for row in generator.class_tree()}
    regions = {row["code"] for row in generator.region_tree()}
    leaf_classes = {c for c in classes if not any(o != c and o.startswith(c) for o in classes)}
    leaf_regions = {r for r in regions if not any(o != r and o.startswith(r) for o in regions)}
    assert len({c[:2] for c in classes}) >= 4 and len(leaf_classes) >= 12
    assert {r[:2] for r in regions} >= {"01", "02", "03", "04", "05", "06", "07"}
    for customer in customers(500):
        assert customer["class_code"] in leaf_classes
        assert customer["region_code"] in leaf_regions
        assert all(a["region_code"] in leaf_regions for a in customer["addresses"])
