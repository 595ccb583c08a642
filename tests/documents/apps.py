from django.apps import AppConfig


class TestDocumentsConfig(AppConfig):
    """A stand-in for the sales documents of a later issue, installed only in tests."""

    name = "tests.documents"
    label = "testdocuments"
