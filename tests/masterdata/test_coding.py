"""Coding schemes as properties: any scheme, any code."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from kehu.masterdata import coding

segments_st = (
    st.lists(st.integers(1, 9), min_size=1, max_size=9)
    .filter(lambda s: sum(s) <= coding.MAX_CODE_LENGTH)
    .map(tuple)
)
code_char = st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@given(segments_st)
def test_scheme_text_round_trips(segments):
    assert coding.parse_segments(coding.format_segments(segments)) == segments


@given(segments_st, st.data())
def test_a_code_of_each_level_length_has_that_level_and_its_parent_is_its_prefix(segments, data):
    level = data.draw(st.integers(1, len(segments)))
    length = sum(segments[:level])
    code = "".join(data.draw(st.lists(code_char, min_size=length, max_size=length)))

    assert coding.level_of(code, segments) == level
    parent = coding.parent_code(code, segments)
    if level == 1:
        assert parent is None
    else:
        assert len(parent) == sum(segments[: level - 1])
        assert code.startswith(parent)


@given(segments_st, st.integers(1, 45))
def test_a_code_of_any_other_length_is_refused(segments, length):
    if length in coding.code_lengths(segments):
        return
    with pytest.raises(ValidationError) as info:
        coding.level_of("1" * length, segments)
    assert info.value.code == "code_length"


@given(segments_st, st.lists(st.integers(1, 9), max_size=3), st.data())
def test_lengthening_is_allowed_and_changing_a_used_level_is_not(segments, extra, data):
    used = data.draw(st.integers(1, len(segments)))
    longer = segments + tuple(extra)
    if sum(longer) <= coding.MAX_CODE_LENGTH:
        coding.check_scheme_change(segments, longer, used)

    changed_level = data.draw(st.integers(1, used))
    altered = list(segments)
    altered[changed_level - 1] = altered[changed_level - 1] % 9 + 1
    with pytest.raises(ValidationError):
        coding.check_scheme_change(segments, tuple(altered), used)
    if len(segments) > 1 and used < len(segments):
        with pytest.raises(ValidationError):
            coding.check_scheme_change(segments, segments[:used], used)


@pytest.mark.parametrize(
    "text", ["", "2--2", "2-2-", "a-b", "0-2", "10-2", "2-2-2-2-2-2-2-2-2-2", "9-9-9-9-9"]
)
def test_malformed_schemes_are_refused(text):
    with pytest.raises(ValidationError):
        coding.parse_segments(text)


def test_any_scheme_change_is_allowed_while_no_code_exists():
    coding.check_scheme_change((2, 2, 3), (3, 1), 0)
