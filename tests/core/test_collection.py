"""The garbage collector held back during a bulk job (``kehu.core.collection``), and put back
as it was afterwards, also when the job fails or another one is still running."""

import gc

import pytest

from kehu.core.collection import RELAXED_THRESHOLD, collections_paused, collections_relaxed


def test_thresholds_are_put_back_by_the_last_job_to_finish():
    before = gc.get_threshold()
    with collections_relaxed():
        assert gc.get_threshold() == RELAXED_THRESHOLD
        with collections_relaxed():
            assert gc.get_threshold() == RELAXED_THRESHOLD
        assert gc.get_threshold() == RELAXED_THRESHOLD  # the first job still runs
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_failing_job_puts_the_thresholds_back():
    before = gc.get_threshold()

    @collections_relaxed()
    def job():
        assert gc.get_threshold() == RELAXED_THRESHOLD
        raise ValueError("bad row")

    with pytest.raises(ValueError):
        job()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_collector_is_off_until_the_last_paused_job_ends_and_on_again_after():
    assert gc.isenabled()
    with collections_paused():
        assert not gc.isenabled()
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first job still runs
    assert gc.isenabled()


def test_a_failing_paused_job_switches_the_collector_on_again():
    @collections_paused()
    def job():
        raise ValueError("bad value")

    with pytest.raises(ValueError):
        job()
    assert gc.isenabled()
