"""Name, phone and email normal forms that duplicate detection compares."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kehu.quality.normalize import (
    BUILTIN_REGIONS,
    normalize_email,
    normalize_name,
    normalize_phone,
)
from tests.factories import region_tree


def norm(text: str) -> str:
    return normalize_name(text, regions=BUILTIN_REGIONS)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("泰锐家居有限公司", "泰锐家居有限责任公司"),
        ("泰锐家居股份有限公司", "泰锐家居集团"),
        ("泰锐家居（集团）股份有限公司", "泰锐家居公司"),
        ("上海泰锐家居有限公司", "泰锐家居（上海）有限公司"),
        ("广东省深圳市泰锐家居有限公司", "泰锐家居(深圳市)有限公司"),
        ("上海市泰锐家居", "泰锐家居"),
        ("ＴＡＩＲＵＩ　家居有限公司", "tairui家居"),
        ("泰锐 家居 有限 公司", "泰锐家居"),
        ("Tairui Home Co., Ltd.", "TAIRUI HOME LIMITED"),
        ("泰锐家居【中国】有限公司", "泰锐家居有限公司"),
    ],
)
def test_spellings_of_one_company_normalise_alike(a, b):
    assert norm(a) == norm(b)
    assert norm(a)  # never stripped to nothing


def test_bracket_content_that_is_no_place_is_kept():
    assert norm("泰锐（家居）有限公司") == "泰锐家居"


def test_numbers_stay_in_the_name():
    assert norm("测试客户１有限公司") == "测试客户1"
    assert norm("测试客户1有限公司") != norm("测试客户2有限公司")


def test_a_name_that_is_only_a_place_or_a_form_is_not_emptied():
    assert norm("上海市") == "上海市"
    assert norm("有限公司") != ""


def test_region_names_come_from_the_region_tree(db):
    region_tree("99")  # named 地区99 by the factory
    from kehu.masterdata.models import Region

    Region.objects.filter(code="99").update(name="临港新片区")

    assert normalize_name("临港新片区泰锐家居有限公司") == "泰锐家居"
    assert normalize_name("泰锐家居（临港新片区）有限公司") == "泰锐家居"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("021-1234 5678", "02112345678"),
        ("+86 21 1234 5678", "021-12345678"),
        ("0086-21-12345678", "(021)12345678"),
        ("+86 138 0013 8000", "13800138000"),
        ("8613800138000", "138-0013-8000"),
        ("１３８００１３８０００", "13800138000"),
    ],
)
def test_phone_numbers_compare_by_their_digits(a, b):
    assert normalize_phone(a) == normalize_phone(b) != ""


def test_too_short_phone_numbers_are_no_evidence():
    assert normalize_phone("110") == ""
    assert normalize_phone("") == ""


def test_emails_compare_in_lower_case():
    assert normalize_email("  Info@TaiRui.example.COM ") == "info@tairui.example.com"
    assert normalize_email("not an email") == ""


NAMES = st.text(
    alphabet=st.sampled_from(
        list("泰锐家居有限责任公司股份集团上海市北京省广东深圳（）()【】[] 　ＡａBb1２3.,-")
    ),
    max_size=30,
)


@given(NAMES)
def test_normalising_twice_changes_nothing(text):
    once = norm(text)
    assert norm(once) == once


@given(st.text(max_size=40))
def test_normalising_any_text_twice_changes_nothing(text):
    once = norm(text)
    assert norm(once) == once


@given(NAMES)
def test_the_key_has_no_spaces_brackets_or_upper_case(text):
    key = norm(text)
    assert not any(ch.isspace() or ch in "()（）【】[]" for ch in key)
    assert key == key.lower()


@given(st.text(max_size=30))
def test_phone_and_email_forms_are_stable(text):
    assert normalize_phone(normalize_phone(text)) == normalize_phone(text)
    assert normalize_email(normalize_email(text)) == normalize_email(text)
