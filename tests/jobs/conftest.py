import pytest

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_tasks(settings):
    """The production task backend: jobs wait in the database for a worker."""
    settings.TASKS = DB_TASKS
    return settings
