"""The report of qualification documents that have expired or expire within their warning days
(SPEC §2), on the web: boundaries of the warning period, the filter, the data scope."""

import datetime
import re
from html import unescape

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.accounts.services import user_create
from kehu.masterdata.models import Salesperson
from kehu.masterdata.services import coded_item_create
from tests import factories

REPORT = "/customers/documents/expiring/"


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


def doc(number: str, valid_to: str | None, warn_days: int = 30, kind: str = "other") -> dict:
    data = {"kind": kind, "number": number, "warn_days": warn_days}
    if valid_to:
        data["valid_to"] = valid_to
    return data


@pytest.fixture
def archive(db):
    """S1's customer with documents around the boundaries; S2's customer with an expired one."""
    factories.class_tree("01", "0101")
    for code in ("S1", "S2"):
        coded_item_create(Salesperson, actor=None, data={"code": code, "name": f"业务员{code}"})
    mine = factories.customer(
        code="A1",
        name="甲公司",
        salesperson="S1",
        documents=[
            doc("ON-WARNING-DAY", days(30), 30),  # valid_to - warn_days == today: listed
            doc("DAY-BEFORE-WARNING", days(31), 30),  # warning starts tomorrow: not listed
            doc("LAST-DAY", days(0), 0),  # valid today, no warning days: listed, expiring
            doc("EXPIRED-YESTERDAY", days(-1), 0),
            doc("EXPIRED-LONG-AGO", days(-400), 30),
            doc("NO-END", None, 30),  # never expires
        ],
    )
    theirs = factories.customer(
        code="B1", name="乙公司", salesperson="S2", documents=[doc("THEIRS", days(-5))]
    )
    return {"mine": mine, "theirs": theirs}


@pytest.fixture
def logged_in(client, admin_user):
    client.force_login(admin_user)
    return client


def rows(response) -> list[tuple[str, str, str]]:
    """(number, valid to, status) of each row of the report, in order."""
    html = response.content.decode()
    body = re.search(r'<table class="grid" id="expiring-documents">.*?</table>', html, re.S)[0]
    found = []
    for row in re.findall(r"<tr class=\"expiry-[a-z_]+\">(.*?)</tr>", body, re.S):
        cells = [
            unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        found.append((cells[3], cells[4], cells[6]))
    return found


def test_the_report_lists_expired_and_expiring_documents_soonest_first(logged_in, archive):
    response = logged_in.get(REPORT)

    assert response.status_code == 200
    assert rows(response) == [
        ("EXPIRED-LONG-AGO", days(-400), "Expired 400 days ago"),
        ("THEIRS", days(-5), "Expired 5 days ago"),
        ("EXPIRED-YESTERDAY", days(-1), "Expired 1 day ago"),
        ("LAST-DAY", days(0), "Expires today"),
        ("ON-WARNING-DAY", days(30), "Expires in 30 days"),
    ]
    html = response.content.decode()
    assert f'href="/customers/{archive["mine"].pk}/#documents">A1 甲公司</a>' in html
    assert "5 documents" in html


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("expired", ["EXPIRED-LONG-AGO", "THEIRS", "EXPIRED-YESTERDAY"]),
        ("expiring", ["LAST-DAY", "ON-WARNING-DAY"]),
        (
            "nonsense",
            ["EXPIRED-LONG-AGO", "THEIRS", "EXPIRED-YESTERDAY", "LAST-DAY", "ON-WARNING-DAY"],
        ),
    ],
)
def test_the_filter_shows_expired_or_expiring_ones(logged_in, archive, status, expected):
    response = logged_in.get(REPORT, {"status": status})

    assert [number for number, _to, _status in rows(response)] == expected


def test_documents_of_customers_outside_the_scope_are_absent(client, archive):
    user = user_create(username="li", password="Kehu-user-2026", roles=["salesperson"])
    Salesperson.objects.filter(code="S1").update(user=user)
    client.force_login(user)

    response = client.get(REPORT)

    numbers = [number for number, _to, _status in rows(response)]
    assert numbers == ["EXPIRED-LONG-AGO", "EXPIRED-YESTERDAY", "LAST-DAY", "ON-WARNING-DAY"]
    assert "乙公司" not in response.content.decode()


def test_the_menu_leads_to_the_report(logged_in, archive):
    html = logged_in.get("/customers/").content.decode()

    assert f'href="{REPORT}"' in html


def test_the_query_count_does_not_grow_with_the_documents(logged_in, archive):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert logged_in.get(REPORT).status_code == 200
        return len(captured)

    before = queries()
    for n in range(5):
        factories.customer(salesperson="S2", documents=[doc(f"MORE{n}", days(n - 2))])

    assert queries() == before


def test_the_cli_lists_the_documents_due(capsys, archive):
    call_command("expiring", "--status", "expired")

    out = capsys.readouterr().out
    assert "EXPIRED-LONG-AGO" in out and "THEIRS" in out and "EXPIRED-YESTERDAY" in out
    assert "LAST-DAY" not in out
    assert "3 documents." in out


def test_the_cli_applies_a_users_scope(capsys, archive):
    user = user_create(username="li", password="Kehu-user-2026", roles=["salesperson"])
    Salesperson.objects.filter(code="S1").update(user=user)

    call_command("expiring", "--user", "li")

    out = capsys.readouterr().out
    assert "ON-WARNING-DAY" in out and "THEIRS" not in out
    assert "4 documents." in out
    with pytest.raises(CommandError, match="No active user"):
        call_command("expiring", "--user", "nobody")
