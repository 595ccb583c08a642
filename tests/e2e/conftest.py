"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser)."""

import importlib
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# while one is running unless told that this thread is safe (the live server has its own).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run `make browsers` (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def seeded_defaults(transactional_db):
    """What the migrations seed (coding schemes, CNY, credit grades), as on a new database.

    Browser tests need a live server and so a transactional database, which is flushed
    after every such test, seeds included; the migration's own seed function puts them back.
    """
    from django.apps import apps

    seed_migration = importlib.import_module("kehu.masterdata.migrations.0002_seed_defaults")
    seed_migration.seed(apps, None)
