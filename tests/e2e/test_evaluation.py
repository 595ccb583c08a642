"""Customer evaluation as a credit controller meets it (SPEC §6): run an evaluation, open a
customer's radar chart and explanation on its 360° page, apply the suggested credit terms to
that customer, and see the change in its history. Makes the screenshot of the evaluation
section, so that it stays true."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from kehu.accounts.services import user_create
from kehu.customers.models import Customer
from kehu.evaluation.models import EvaluationRun
from kehu.evaluation.services import scorecard_default_seed
from tests.evaluation.example import example_build

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kehu-e2e-2026"
SCREENSHOT = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "customer-evaluation.png"
)


@pytest.fixture
def setting(db):
    scorecard_default_seed()  # the browser tests' database is flushed between tests
    user_create(username="zhaomin", password=PASSWORD, roles=["credit controller"], scope="all")
    return example_build()


def test_run_explain_and_apply_the_suggested_terms(page, live_server, setting):
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "zhaomin")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")

    # Run an evaluation as of the worked example's date.
    page.goto(f"{live_server.url}/evaluation/")
    page.fill("#id_as_of", "2026-06-30")
    page.locator("form.toolbar button.primary").click()
    page.wait_for_url(re.compile(r"/evaluation/runs/\d+/$"))
    run = EvaluationRun.objects.get()
    assert run.customer_count == 4
    expect(page.locator(".evaluation-results")).to_contain_text("甲按期付款有限公司")

    # The customer's 360° page: total, grade, the radar chart and the explanation.
    page.locator(".evaluation-results a", has_text="E1").click()
    e1 = setting["E1"]
    page.wait_for_url(re.compile(rf"/customers/{e1.pk}/$"))
    section = page.locator("#evaluation")
    expect(section.locator("#evaluation-total")).to_have_text("86.58")
    expect(section.locator("#evaluation-grade")).to_have_text("A")
    radar = section.locator("#evaluation-radar")
    expect(radar).to_be_visible()
    expect(radar.locator("polygon.radar-area")).to_have_attribute(
        "points", "240,63 317.7,135 240,225 172.5,135"
    )
    box = radar.bounding_box()
    assert box["width"] >= 400 and box["height"] >= 200  # drawn, not collapsed
    explanation = section.locator("#evaluation-explanation tbody tr")
    expect(explanation).to_have_count(17)
    expect(explanation.filter(has_text="按期付款比例")).to_contain_text("100.00 → 100.00")
    expect(section.locator("#evaluation-history tbody tr")).to_have_count(1)
    expect(section.locator("#evaluation-suggestion")).to_contain_text("20000.00")
    # The section alone: the page scrolls inside <main>, so the window is made as tall as
    # the page for a moment, which shows the whole section below the menu bar.
    tall = page.evaluate("document.querySelector('main').scrollHeight") + 100
    page.set_viewport_size({"width": 1280, "height": tall})
    area = section.bounding_box()
    page.screenshot(
        path=str(SCREENSHOT),
        clip={"x": 0, "y": area["y"] - 8, "width": 1280, "height": area["height"] + 16},
    )
    page.set_viewport_size({"width": 1280, "height": 1000})

    # Apply the suggested credit terms to this customer only.
    section.locator("#apply-suggested-terms").click()
    page.wait_for_url(re.compile(rf"/customers/{e1.pk}/$"))
    expect(page.locator("#evaluation")).not_to_contain_text("100000.00 → ")
    history = page.locator("#history")
    expect(history).to_contain_text("100000.00 → 20000.00")
    expect(history).to_contain_text("zhaomin")
    assert page.locator("#apply-suggested-terms").count() == 0
    e1.refresh_from_db()
    assert (str(e1.credit_limit), e1.credit_days) == ("20000.00", 60)
    assert Customer.objects.get(code="E2").credit_limit == 50000


def test_a_run_in_the_background_shows_its_state_and_opens_when_done(
    page, live_server, setting, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "zhaomin")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("table.grid")

    page.goto(f"{live_server.url}/evaluation/")
    page.fill("#id_as_of", "2026-06-30")
    page.locator("form.toolbar button.primary").click()
    page.wait_for_url(re.compile(r"/evaluation/jobs/\d+/$"))
    expect(page.locator("#job-status")).to_have_class(re.compile("job-queued"))
    page.reload()  # the state is the job's, not the browser's
    expect(page.locator("#job-status")).to_have_class(re.compile("job-queued"))

    call_command("worker", "--batch", verbosity=0)

    # The page polls the job and opens the run once the worker has made it.
    page.wait_for_url(re.compile(r"/evaluation/runs/\d+/$"), timeout=15000)
    run = EvaluationRun.objects.get()
    assert page.url.endswith(f"/evaluation/runs/{run.pk}/")
    expect(page.locator(".evaluation-results")).to_contain_text("甲按期付款有限公司")
