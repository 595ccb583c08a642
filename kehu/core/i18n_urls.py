"""Django's language switch, declared public (anyone may choose the language of the pages)."""

from django.urls import path
from django.views.i18n import set_language

from kehu.core.permissions import public


def switch_language(request):
    return set_language(request)


urlpatterns = [path("setlang/", public(switch_language), name="set_language")]
