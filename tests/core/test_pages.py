"""Every page reachable from the menu, as a new user meets it: demo data, both languages,
no server error, and in Chinese no English text from our catalog left untranslated."""

import re
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from django.conf import settings

from kehu.demo.loader import DEMO_PASSWORD, demo_load
from tests.core.test_catalogs import ZH_PO, messages

SKIPPED_PREFIXES = ("/admin/", "/api/", "/static/", "/i18n/", "/accounts/logout")
VISITS_PER_PATTERN = 2


class _Page(HTMLParser):
    """The links and the visible text of a page."""

    def __init__(self):
        super().__init__()
        self.links, self.text, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.text.append(data.strip())


def _english_phrases() -> list[str]:
    """Catalog messages that are English sentences or labels of two or more words."""
    phrases = []
    for msgid, entry in messages(ZH_PO).items():
        text = msgid.split("\x04")[-1]
        if "%" in text or " " not in text or entry["msgstr"][0] == text:
            continue
        phrases.append(text)
    return phrases


def crawl(client, start: str) -> dict[str, _Page]:
    pages, queue, per_pattern = {}, [start], {}
    while queue:
        url = queue.pop(0)
        path = urlparse(url).path
        pattern = re.sub(r"\d+", "N", path)
        if url in pages or per_pattern.get(pattern, 0) >= VISITS_PER_PATTERN:
            continue
        per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
        response = client.get(url, follow=True)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        page = _Page()
        if not response["Content-Type"].startswith("text/html"):
            pages[url] = page  # a download (the import template): it answered, nothing to read
            continue
        page.feed(response.content.decode())
        pages[url] = page
        for link in page.links:
            target = urlparse(link)
            if target.netloc or not target.path.startswith("/") or link.startswith("#"):
                continue
            if not target.path.startswith(SKIPPED_PREFIXES):
                queue.append(link.split("#")[0])
    return pages


@pytest.mark.django_db
def test_every_page_reachable_from_the_menu_works_in_both_languages(client, settings):
    # A Chinese company's site: the history's stored texts are in the site's language.
    settings.LANGUAGE_CODE = "zh-hans"
    demo_load(customers=12)
    assert client.login(username="admin", password=DEMO_PASSWORD)
    phrases = _english_phrases()

    english = crawl_in(client, "en")
    chinese = crawl_in(client, "zh-hans")

    assert len(english) >= 20 and set(english) == set(chinese)
    for url, page in chinese.items():
        text = "\n".join(page.text)
        left = [phrase for phrase in phrases if phrase in text]
        assert not left, f"{url} shows untranslated text: {left}"
    assert any("客户档案" in "\n".join(page.text) for page in chinese.values())


def crawl_in(client, language: str) -> dict[str, _Page]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return crawl(client, "/")
