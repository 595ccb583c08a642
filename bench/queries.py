"""The customer-list query shapes of issue 5, through the API's own code and as hand SQL.

Each shape is measured ``repeat`` times with different parameters drawn deterministically from
the data (a seeded sample of customers), the first page of 50 unless said otherwise:

- **API**: exactly what ``GET /api/v1/customers`` does for a page —
  ``CustomerFilter(...).apply(selectors.customer_list(user))`` through ``cursor_paginate`` (the
  page's ids, then its rows with the joins and the tags' prefetch, the COUNT that stops at
  ``COUNT_LIMIT``) and ``customer_rows_out``, then the response schema's validation and JSON, as
  django-ninja renders it; the deep page is reached by the cursor a client following ``next``
  holds;
- **hand SQL**: what a developer who knows the schema would write by hand for the same page:
  one SELECT with the reference codes joined, the same capped COUNT, the page's tags (keyset
  instead of OFFSET for the deep page). Its keyword condition uses the same search indexes,
  written out by hand: on SQLite a ``MATCH`` on the FTS5 trigram table (a phrase), or for one
  or two letters or digits on the grams table (one word); on PostgreSQL ``ILIKE`` on
  the trigram-indexed expression of the customer row, or ``search_grams @> ARRAY[...]`` for one
  or two characters; a short keyword with a class or credit grade takes their words in the
  same expression (SQLite: the word of the pair, ``"x" AND "c1g2"``; PostgreSQL:
  ``search_grams @> ARRAY['x', 'grd2'] AND search_grams && ARRAY['cls1', …]``, the ids read
  by subqueries), as the API does. (A plain ``LIKE`` scan over the columns takes
  30–40 s at a million customers: a comparison with it would say nothing.) That the indexes
  find exactly the rows a scan finds is asserted by the search tests
  (tests/api/test_customer_search.py, tests/customers/test_search_facets.py).

The target is two things: the API's page (everything above, wall clock) within 50 ms at p95,
and **the SQL the service sends** within 1.5× the hand SQL: the statements the API's code
executed for the case (recorded with ``connection.execute_wrapper``) are replayed as they are,
every row fetched, and timed against the hand SQL (also every row fetched). The first says
what a user waits for; the second whether the ORM's queries are as good as hand-written ones —
building model instances and JSON is Python work the hand SQL does not do at all.

The keyword means what SPEC §3 says it matches: code, name, short name, mnemonic, the
customer's phones and email, and its contacts' names, phones and emails. Where the API's
filter does not (yet) match the same rows, the row check reports it.
"""

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import RequestFactory

from bench.measure import Result, Timing, timed
from kehu.core.api.pagination import (
    COUNT_LIMIT,
    CursorPageParams,
    cursor_page_schema,
    cursor_paginate,
)
from kehu.customers import fields, selectors
from kehu.customers.filters import CustomerFilter
from kehu.customers.models import Customer
from kehu.customers.schemas import CUSTOMER_ROW_VALUES, CustomerOut, customer_rows_out
from kehu.masterdata.models import CustomerClass

PAGE_SIZE = 50
DEEP_PAGE = 10_000
P95_TARGET_MS = 50.0
RATIO_TARGET = 1.5
SAMPLE = 400  # customers the keywords are drawn from
# SPEC §3: what a keyword matches
KEYWORD_COLUMNS = ("code", "name", "short_name", "mnemonic", "phone", "mobile", "email")
# PostgreSQL: the columns of the trigram-indexed expression (migration customers/0007), the
# contacts' texts kept on the customer row in ``search_contacts``
PG_SEARCH_COLUMNS = (*KEYWORD_COLUMNS, "search_contacts")
SORT_COLUMNS = {"code": "c.code", "name": "c.name", "credit_limit": "c.credit_limit"}


@dataclass
class Case:
    """One repetition of a shape: the API's parameters (and the keyset cursor of a deep page)."""

    params: dict
    page: int = 1
    after_code: str | None = None  # hand SQL's keyset: the code of the row before the page
    cursor: str | None = None  # the API's cursor of the page, as a client following "next" has


# ── drawing parameters from the data ──────────────────────────────────────────────────────


def _sample(seed: int) -> list[Customer]:
    """A seeded sample of customers (with their contacts) to draw keywords from."""
    top = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    low = Customer.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)
    pks = sorted({rng.randint(low, top) for _n in range(SAMPLE)})
    return list(Customer.objects.filter(pk__in=pks).prefetch_related("contacts").order_by("pk"))


def _chinese(customer: Customer) -> bool:
    return customer.country == "CN" and not customer.name.isascii()


def shapes(user, sample: list[Customer], repeat: int, seed: int) -> dict[str, list[Case]]:
    """The parameters of every shape, ``repeat`` cases each."""
    rng = random.Random(seed)
    chinese = [c for c in sample if _chinese(c)]
    phones = [
        number
        for c in sample
        for number in [c.phone, *(k.mobile for k in c.contacts.all())]
        if number and sum(ch.isdigit() for ch in number) >= 8
    ]
    leaves = list(
        CustomerClass.objects.filter(is_leaf=True).order_by("code").values_list("code", flat=True)
    )
    groups = sorted({code[:2] for code in leaves})
    grades = ["AAA", "AA", "A", "B", "C"]
    total = Customer.objects.count()
    deep = min(DEEP_PAGE, max(1, int(total / PAGE_SIZE * 0.8)))
    cases: dict[str, list[Case]] = {}
    # 泰锐 in 上海泰锐家居有限公司: the 字号 sits in the middle of the full name
    cases["keyword in the middle of a name"] = [
        Case({"q": c.short_name[:2]}) for c in rng.sample(chinese, repeat)
    ]
    cases["pinyin initials"] = [
        Case({"q": c.mnemonic[:3]}) for c in rng.sample(chinese, repeat) if len(c.mnemonic) >= 3
    ]
    cases["phone fragment"] = [
        Case({"q": "".join(ch for ch in number if ch.isdigit())[-7:-2]})
        for number in rng.sample(phones, repeat)
    ]
    cases["class subtree + grade + keyword"] = [
        Case(
            {
                "class_code": rng.choice(groups),
                "credit_grade": rng.choice(grades),
                "q": rng.choice(chinese).short_name[rng.randrange(2)],
            }
        )
        for _n in range(repeat)
    ]
    cases["sort by credit limit (class subtree)"] = [
        Case({"class_code": rng.choice(leaves + groups), "ordering": "-credit_limit"})
        for _n in range(repeat)
    ]
    cases["sort by name (all)"] = [
        Case({"ordering": "name"}, page=1 + n * 7) for n in range(repeat)
    ]
    cases[f"deep page (~{deep:,})"] = [
        Case({}, page=deep - n * 37 % max(1, deep - 1)) for n in range(repeat)
    ]
    for case in cases[f"deep page (~{deep:,})"]:
        offset = (case.page - 1) * PAGE_SIZE
        case.after_code = (
            Customer.objects.order_by("code").values_list("code", flat=True)[offset - 1]
            if offset
            else None
        )
        if case.page > 1:
            # The client followed "next" from the page before: the cursor it holds.
            before = Case(case.params, page=case.page - 1)
            case.cursor = _api_data(user, before)["next_cursor"]
    return cases


# ── the API's way ─────────────────────────────────────────────────────────────────────────


def _api_data(user, case: Case) -> dict:
    """The page's data as the list operation returns it (a deep page reached by its
    cursor)."""
    filters = CustomerFilter(**case.params)
    queryset = filters.apply(selectors.customer_list(user))
    query = {**case.params, "page_size": PAGE_SIZE}
    if case.cursor:
        query["cursor"] = case.cursor
    else:
        query["page"] = case.page
    request = RequestFactory().get("/api/v1/customers", query, HTTP_HOST="127.0.0.1")
    request.user = user
    params = CursorPageParams(page=case.page, page_size=PAGE_SIZE, cursor=case.cursor)
    return cursor_paginate(
        request, queryset, params, values=CUSTOMER_ROW_VALUES, serialize_rows=customer_rows_out
    )


def api_page(user, case: Case) -> tuple[int, list[str]]:
    """One page as GET /api/v1/customers computes and renders it; the count and the codes."""
    data = _api_data(user, case)
    cursor_page_schema(CustomerOut).model_validate(data).model_dump_json()
    return data["count"], [row["code"] for row in data["results"]]


def service_statements(user, case: Case) -> list[tuple[str, object]]:
    """The SQL statements (and parameters) that the API's code runs for ``case``."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        _api_data(user, case)
    return statements


def replay(statements: list[tuple[str, object]]) -> None:
    """The service's statements again, as they were, every row fetched; in one transaction,
    so that a setting the service makes for its transaction (PostgreSQL's page read: ``SET
    LOCAL``, kehu/core/keyset.py) holds as it did."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()


# ── the hand-written way ──────────────────────────────────────────────────────────────────


def _where(params: dict) -> tuple[list[str], list]:
    """Conditions on ``c`` (the customer table) for the shapes' parameters."""
    conditions, args = [], []
    classes = CustomerClass._meta.db_table
    if params.get("q"):
        keyword = params["q"]
        escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        if connection.vendor == "sqlite" and len(keyword) >= 3:
            conditions.append(
                "c.id IN (SELECT rowid FROM customers_search WHERE customers_search MATCH %s)"
            )
            args.append('"' + keyword.replace('"', '""') + '"')
        elif connection.vendor == "sqlite" and keyword.isalnum():
            # with the class and grade words of the grams documents (migration 0010), put
            # into the MATCH expression by subqueries on the small master data tables: the
            # word of the pair (class, grade) — every ancestor's pairs are in the documents —,
            # or of the class or the grade alone
            match, match_args = "%s", ['"' + keyword.lower() + '"']
            grade = "(SELECT id FROM masterdata_creditgrade WHERE code = %s)"
            node = f"(SELECT id FROM {classes} WHERE code = %s)"
            if params.get("class_code") and params.get("credit_grade"):
                match += f" || ' AND \"c' || {node} || 'g' || {grade} || '\"'"
                match_args += [params["class_code"], params["credit_grade"]]
            elif params.get("credit_grade"):
                match += f" || ' AND \"grd' || {grade} || '\"'"
                match_args.append(params["credit_grade"])
            elif params.get("class_code"):
                match += f" || ' AND \"cls' || {node} || '\"'"
                match_args.append(params["class_code"])
            conditions.append(
                f"c.id IN (SELECT rowid FROM customers_grams WHERE customers_grams MATCH {match})"
            )
            args += match_args
        elif connection.vendor == "sqlite":
            conditions.append(
                "c.id IN (SELECT rowid FROM customers_search WHERE customers_search MATCH"
                " (SELECT coalesce(group_concat('\"' || replace(term, '\"', '\"\"') || '\"',"
                " ' OR '), '\"\"') FROM customers_search_terms"
                " WHERE term >= %s AND term <= %s))"
            )
            args += [keyword.lower(), keyword.lower() + chr(0x10FFFF)]
        elif len(keyword) >= 3:
            texts = " || E'\\x1F' || ".join(f"c.{column}" for column in PG_SEARCH_COLUMNS)
            conditions.append(f"({texts}) ILIKE %s")
            args.append(f"%{escaped}%")
        else:
            # with the class and grade words (migration 0010), from subqueries
            words = "lower(%s)"
            if params.get("credit_grade"):
                words += ", (SELECT 'grd' || id FROM masterdata_creditgrade WHERE code = %s)"
            conditions.append(f"c.search_grams @> ARRAY[{words}]")
            args.append(keyword)
            if params.get("credit_grade"):
                args.append(params["credit_grade"])
            if params.get("class_code"):
                conditions.append(
                    "c.search_grams && (SELECT array_agg('cls' || id)"
                    f" FROM {classes} WHERE code LIKE %s)"
                )
                args.append(params["class_code"] + "%")
            # the words are the row's own ids: the conditions on the ids are not repeated
            return conditions, args
    if params.get("class_code"):
        conditions.append(f"c.customer_class_id IN (SELECT id FROM {classes} WHERE code LIKE %s)")
        args.append(params["class_code"] + "%")
    if params.get("credit_grade"):
        conditions.append(
            "c.credit_grade_id IN (SELECT id FROM masterdata_creditgrade WHERE code = %s)"
        )
        args.append(params["credit_grade"])
    return conditions, args


def _select() -> str:
    """The customer's columns and the codes of what it refers to, as the API shows them."""
    columns, joins = ["c.*"], []
    for n, (_name, (model_field, model)) in enumerate(fields.REFERENCE_FIELDS.items()):
        table = Customer._meta.db_table if model == "customer" else model._meta.db_table
        columns.append(f"r{n}.code")
        joins.append(f"LEFT JOIN {table} r{n} ON r{n}.id = c.{model_field}_id")
    users = get_user_model()._meta.db_table
    for name in ("created_by", "updated_by"):
        columns.append(f"{name}.username")
        joins.append(f"LEFT JOIN {users} {name} ON {name}.id = c.{name}_id")
    return f"SELECT {', '.join(columns)} FROM {Customer._meta.db_table} c {' '.join(joins)}"


def hand_page(case: Case) -> tuple[int | None, list[str]]:
    """The same page in hand-written SQL: page, count, tags (a keyset page has no count)."""
    conditions, args = _where(case.params)
    ordering = case.params.get("ordering", "code")
    column = SORT_COLUMNS[ordering.removeprefix("-")]
    direction = "DESC" if ordering.startswith("-") else "ASC"
    page_conditions, page_args = list(conditions), list(args)
    offset = (case.page - 1) * PAGE_SIZE
    if case.after_code is not None:
        page_conditions.append("c.code > %s")
        page_args.append(case.after_code)
        offset = 0
    where = f" WHERE {' AND '.join(page_conditions)}" if page_conditions else ""
    sql = (
        f"{_select()}{where} ORDER BY {column} {direction} NULLS LAST, c.id "
        f"LIMIT {PAGE_SIZE} OFFSET {offset}"
    )
    count = None
    with connection.cursor() as cursor:
        cursor.execute(sql, page_args)
        rows = cursor.fetchall()
        code_index = [d[0] for d in cursor.description].index("code")
        # the count the API gives: exact up to COUNT_LIMIT rows, no further
        count_where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {Customer._meta.db_table} c{count_where}"
            f" LIMIT {COUNT_LIMIT + 1}) counted",
            args,
        )
        count = min(cursor.fetchone()[0], COUNT_LIMIT)
        ids = [row[0] for row in rows]
        if ids:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                "SELECT ct.customer_id, t.name FROM customers_customer_tags ct "
                f"JOIN customers_tag t ON t.id = ct.tag_id WHERE ct.customer_id IN ({marks})",
                ids,
            )
            cursor.fetchall()
    return count, [row[code_index] for row in rows]


# ── the module ────────────────────────────────────────────────────────────────────────────


def run(context) -> list[Result]:
    user = get_user_model().objects.get(username="admin")
    sample = _sample(context.seed)
    results = []
    for name, cases in shapes(user, sample, context.repeat, context.seed).items():
        api_page(user, cases[0])  # warm the caches and the connection
        hand_page(cases[0])
        api_ms, hand_ms, api_cpu, hand_cpu, counts, differ = [], [], [], [], [], 0
        sql_ms, statements = [], []
        for case in cases:
            elapsed, cpu, (count, api_codes) = timed(lambda case=case: api_page(user, case))
            api_ms.append(elapsed)
            api_cpu.append(cpu)
            recorded = service_statements(user, case)
            statements.append(len(recorded))
            sql_ms.append(timed(lambda recorded=recorded: replay(recorded))[0])
            elapsed, cpu, (_count, hand_codes) = timed(lambda case=case: hand_page(case))
            hand_ms.append(elapsed)
            hand_cpu.append(cpu)
            counts.append(count)
            differ += api_codes != hand_codes
        api, hand, sql = Timing(api_ms), Timing(hand_ms), Timing(sql_ms)
        ratio = sql.p95 / hand.p95 if hand.p95 else None
        passed = api.p95 <= P95_TARGET_MS and ratio is not None and ratio <= RATIO_TARGET
        results.append(
            Result(
                module="queries",
                name=name,
                value=round(api.p95, 1),
                unit="ms (p95)",
                target=(f"p95 ≤ {P95_TARGET_MS:g} ms; its SQL ≤ {RATIO_TARGET:g}× the hand SQL"),
                passed=passed,
                details={
                    "api_p50": round(api.p50, 1),
                    "api_p95": round(api.p95, 1),
                    "sql_p50": round(sql.p50, 1),
                    "sql_p95": round(sql.p95, 1),
                    "statements": sorted(statements)[len(statements) // 2],
                    "hand_p50": round(hand.p50, 1),
                    "hand_p95": round(hand.p95, 1),
                    "ratio_p95": round(ratio, 2) if ratio is not None else None,
                    "api_cpu_p50": round(Timing(api_cpu).p50, 1),
                    "hand_cpu_p50": round(Timing(hand_cpu).p50, 1),
                    "repetitions": len(cases),
                    "median_rows": sorted(counts)[len(counts) // 2],
                    "pages_differing": differ,
                    "example": cases[0].params
                    | ({"cursor": "…"} if cases[0].cursor else {"page": cases[0].page}),
                },
                note=(
                    f"{differ} of {len(cases)} pages differ from the hand SQL's" if differ else ""
                ),
            )
        )
    return results
