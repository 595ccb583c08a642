"""Query conditions from the evaluation (SPEC §3): grade, ABC class, RFM segment and total
score, read from the latest succeeded run; the same customers in the web list, the API, the
exports and the statistics; one statement however many customers."""

import datetime
import html
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.accounts.services import token_create, user_create
from kehu.customers.filters import parse_conditions
from kehu.customers.models import Customer
from kehu.customers.services import saved_query_create
from kehu.evaluation.choices import RunStatus
from kehu.evaluation.models import EvaluationRun
from kehu.evaluation.services import evaluation_run, scorecard_default, version_current
from tests.api.asserts import assert_error
from tests.conftest import ApiClient
from tests.customers.test_export import browser, csv_rows, download
from tests.evaluation.example import AS_OF, example_build
from tests.factories import customer

LIST = "/customers/"
API = "/api/v1/customers"

# The worked example of docs/evaluation.md, as of AS_OF:
# E1 86.58 A, ABC A, promising; E2 37.12 D, ABC A, hibernating;
# E3 0.00 D, ABC C, inactive; E4 23.26 D, ABC C, inactive.


@pytest.fixture
def evaluated(db):
    example_build()
    admin = user_create(
        username="boss", password="Kehu-eval-2026", roles=["administrator"], is_superuser=True
    )
    run = evaluation_run(actor=None, as_of=AS_OF)
    # a customer created after the run: not scored, so no evaluation condition takes it
    customer(code="N1", name="戊新建有限公司")
    return {"admin": admin, "run": run, "web": browser(admin)}


@pytest.fixture
def web(evaluated):
    return evaluated["web"]


@pytest.fixture
def api(client, evaluated):
    return ApiClient(client, token_create(user=evaluated["admin"], name="api")[1])


def _encode(query: str) -> str:
    return "&".join(urlencode([tuple(part.split("=", 1))]) for part in query.split("&"))


def web_codes(web, query: str) -> set[str]:
    response = web.get(f"{LIST}?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "not valid and was ignored" not in page
    return set(re.findall(r'<td class="code">([^<]+)</td>', page))


def api_codes(api, query: str) -> set[str]:
    response = api.get(f"{API}?{query}&page_size=500")
    assert response.status_code == 200, response.json()
    return {row["code"] for row in response.json()["results"]}


def export_codes(client, query: str, path="/customers/export/") -> set[str]:
    data = download(client.get(f"{path}?{query}&format=csv&columns=code"))
    return {row[0] for row in csv_rows(data)[1:]}


def statistics_count(api, query: str) -> int:
    response = api.get(f"{API}/statistics?{query}&group_by=class")
    assert response.status_code == 200, response.json()
    return sum(group["count"] for group in response.json()["groups"])


CASES = [
    ("evaluation_grade=A", {"E1"}),
    ("evaluation_grade=D", {"E2", "E3", "E4"}),
    ("evaluation_grade=A,D", {"E1", "E2", "E3", "E4"}),
    ("evaluation_grade=B", set()),
    ("abc_class=A", {"E1", "E2"}),
    ("abc_class=C", {"E3", "E4"}),
    ("abc_class=A&abc_class=C", {"E1", "E2", "E3", "E4"}),
    ("rfm_segment=hibernating", {"E2"}),
    ("rfm_segment=inactive,promising", {"E1", "E3", "E4"}),
    ("evaluation_total_min=30", {"E1", "E2"}),
    ("evaluation_total_max=23.26", {"E3", "E4"}),
    ("evaluation_total_min=23.26&evaluation_total_max=86.57", {"E2", "E4"}),
    ("evaluation_total_min=0", {"E1", "E2", "E3", "E4"}),
    # combined with each other and with the archive's conditions
    ("abc_class=A&evaluation_grade=D", {"E2"}),
    ("abc_class=C&evaluation_total_min=1", {"E4"}),
    ("evaluation_grade=A&abc_class=C", set()),
    ("rfm_segment=inactive&evaluation_grade=D&evaluation_total_max=10", {"E3"}),
    ("credit_limit_min=60000&abc_class=A", {"E1"}),
    ("q=逾期&abc_class=A", {"E2"}),
    ("status=active&evaluation_grade=D&registered_capital_min=1", {"E4"}),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_each_condition_finds_the_same_customers_everywhere(evaluated, api, query, expected):
    query, web = _encode(query), evaluated["web"]

    assert web_codes(web, query) == expected
    assert api_codes(api, query) == expected
    assert export_codes(web, query) == expected
    assert export_codes(api, query, path=f"{API}/export") == expected
    assert statistics_count(api, query) == len(expected)


def test_the_conditions_read_the_latest_succeeded_run(evaluated, api):
    web = evaluated["web"]
    # a failed run as of a later date changes nothing
    EvaluationRun.objects.create(
        as_of=AS_OF + datetime.timedelta(days=30),
        version=version_current(scorecard_default()),
        status=RunStatus.FAILED,
    )
    assert api_codes(api, "abc_class=A") == {"E1", "E2"}
    # a run over a saved query as of a later date is the latest: E2 is not in it any more
    only_e1 = saved_query_create(
        actor=evaluated["admin"], data={"name": "E1", "params": {"code": "E1"}}
    )
    later = evaluation_run(actor=None, as_of=AS_OF + datetime.timedelta(days=1), query=only_e1)
    assert later.customer_count == 1
    assert api_codes(api, "abc_class=A") == {"E1"}
    assert web_codes(web, "evaluation_grade=D") == set()
    # a run as of an earlier date, started afterwards, is not the latest
    evaluation_run(actor=None, as_of=AS_OF - datetime.timedelta(days=365))
    assert api_codes(api, "abc_class=A") == {"E1"}
    page = web.get(LIST).content.decode()
    assert f"(#{later.pk}, as of {later.as_of.isoformat()})" in page


def test_one_statement_whatever_the_number_of_customers(evaluated):
    filters = parse_conditions(
        {"evaluation_grade": "D", "abc_class": ["A", "C"], "evaluation_total_min": "1"}
    )
    with CaptureQueriesContext(connection) as queries:
        found = list(filters.apply(Customer.objects.all()).values_list("code", flat=True))
    assert found == ["E2", "E4"]
    assert len(queries) == 1
    # the run is chosen inside the statement, its results read by a subquery
    assert "evaluation_evaluationrun" in queries[0]["sql"]


BAD = [
    ("abc_class=D", "abc_class", "'A', 'B' or 'C'"),
    ("rfm_segment=sleepy", "rfm_segment", "champions"),
    ("evaluation_total_min=abc", "evaluation_total_min", "number"),
    ("evaluation_total_min=101", "evaluation_total_min", "less than or equal to 100"),
    ("evaluation_total_min=-1", "evaluation_total_min", "greater than or equal to 0"),
    ("evaluation_total_min=50&evaluation_total_max=10", "evaluation_total_max", "less than the"),
    ("evaluation_grade=ABCDEFGHIJK", "evaluation_grade", "at most 10 characters"),
]


@pytest.mark.parametrize(("query", "field", "says"), BAD)
@pytest.mark.parametrize("path", ["", "/export", "/statistics"])
def test_bad_values_are_field_errors(api, query, field, says, path):
    assert_error(api.get(f"{API}{path}?{query}"), 422, "validation_error", field=field, says=says)


@pytest.mark.parametrize(("query", "field", "says"), BAD)
def test_bad_values_are_messages_on_the_list_page(web, query, field, says):
    page = web.get(f"{LIST}?{query}")
    text = html.unescape(page.content.decode())
    assert page.status_code == 200 and "not valid and was ignored" in text and says in text


def test_the_list_page_offers_the_conditions_and_shows_them_as_chips(evaluated):
    web, run = evaluated["web"], evaluated["run"]
    page = web.get(f"{LIST}?evaluation_grade=D&rfm_segment=hibernating").content.decode()

    assert set(re.findall(r'<td class="code">([^<]+)</td>', page)) == {"E2"}
    grades = re.search(r'<select id="id_evaluation_grade"[^>]*>(.*?)</select>', page, re.S)
    assert re.findall(r'<option value="([^"]+)"', grades.group(1)) == ["A", "B", "C", "D"]
    assert '<option value="D" selected>' in grades.group(1)
    assert f"(#{run.pk}, as of 2026-06-30)" in page
    assert 'name="evaluation_total_min"' in page and 'name="abc_class"' in page
    chips = re.findall(r'<span class="chip-label">([^<]+):</span> ([^<]+?)\s*<a', page)
    assert set(chips) == {("Evaluation grade", "D"), ("RFM segment", "hibernating")}
    # a grade that the latest run's scorecard has not stays chosen (and finds nobody)
    page = web.get(f"{LIST}?evaluation_grade=AAA").content.decode()
    assert '<option value="AAA" selected>' in page
    assert not re.findall(r'<td class="code">([^<]+)</td>', page)


def test_a_saved_query_and_the_cli_export_keep_the_conditions(evaluated, api, tmp_path):
    from django.core.management import call_command

    saved = saved_query_create(
        actor=evaluated["admin"],
        data={"name": "A类客户", "params": {"abc_class": ["A"], "evaluation_total_max": "50"}},
    )
    assert saved.params == {"abc_class": "A", "evaluation_total_max": "50"}
    assert api_codes(api, f"saved={saved.pk}") == {"E2"}
    assert web_codes(evaluated["web"], f"saved={saved.pk}") == {"E2"}
    path = tmp_path / "out.csv"
    call_command("export", str(path), "--columns", "code", "--param", "rfm_segment=inactive")
    assert {row[0] for row in csv_rows(path.read_bytes())[1:]} == {"E3", "E4"}


def test_the_api_documents_which_run_the_conditions_read(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for path in (API, f"{API}/export", f"{API}/statistics"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        for name in (
            "evaluation_grade",
            "abc_class",
            "rfm_segment",
            "evaluation_total_min",
            "evaluation_total_max",
        ):
            assert "latest succeeded evaluation run" in parameters[name]["description"]
