"""The permission matrix (SPEC §9): every web route and every API operation × every role × the
user's own customer, another salesperson's customer and a missing one.

Routes are read from the URL resolver and operations from the OpenAPI document, so a new route
that declares no permission, or a resource the matrix has no sample for, fails here. For each
case the test expects exactly: the login page (web) or 401 (API) without a session; 403 without
the declared permission; 404 for a customer outside the user's data scope, identical to a
missing one; otherwise an answer that is neither a refusal nor a server error. Every case runs
in a transaction that is rolled back, and a refused case must not have written anything. No
page or API answer may show the name of a customer the user may not see.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Max, Sum
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kehu.accounts.services import token_create, user_create
from kehu.core.permissions import PUBLIC, declared_permissions_of, has_permissions
from kehu.credit.choices import CreditMode, PolicyScope
from kehu.credit.models import CreditApproval, CreditPolicy
from kehu.credit.services import policy_save
from kehu.customers.models import Customer, SavedQuery, UserField
from kehu.customers.services import customer_update, saved_query_create, user_field_create
from kehu.evaluation.defaults import DEFAULT_SCORECARD
from kehu.evaluation.models import EvaluationRun, Scorecard
from kehu.evaluation.services import evaluation_run
from kehu.jobs.choices import JobKind, JobStatus
from kehu.jobs.models import Job
from kehu.masterdata import models as md
from kehu.masterdata.services import coded_item_create
from kehu.sales import services as sales
from kehu.sales.models import Receipt, SalesInvoice, SalesOrder, Settlement
from tests.conftest import ApiClient
from tests.factories import class_tree, customer, region_tree

ROLES = ("administrator", "sales manager", "salesperson", "credit controller", "auditor")
# Does the role's default data scope show a customer of another salesperson in another
# department? (Salespeople see their own, sales managers their department's.)
SEES_OTHERS = {
    "administrator": True,
    "sales manager": False,
    "salesperson": False,
    "credit controller": True,
    "auditor": True,
}
MISSING_ID = 10**9
OTHER_NAME = "他人专属客户甲乙丙有限公司"
OWN_NAME = "本人专属客户有限公司"

# API path segment -> the master-data model behind it.
API_MODELS = {
    "classes": md.CustomerClass,
    "regions": md.Region,
    "industries": md.Industry,
    "departments": md.Department,
    "salespeople": md.Salesperson,
    "currencies": md.Currency,
    "payment-terms": md.PaymentTerms,
    "shipping-methods": md.ShippingMethod,
    "credit-grades": md.CreditGrade,
    "user-fields": UserField,
    "saved-queries": SavedQuery,
    "scorecards": Scorecard,
    "evaluation-runs": EvaluationRun,
    "credit-policies": CreditPolicy,
}
# A saved query (the administrator's, shared) is changed or deleted only by its owner or an
# administrator: every other role that may use it is refused with 403.
OWNER_ONLY = {("saved-queries", "PATCH"), ("saved-queries", "DELETE")}
WEB_TREES = {"classes": md.CustomerClass, "regions": md.Region}
WEB_LISTS = {
    "industries": md.Industry,
    "departments": md.Department,
    "salespeople": md.Salesperson,
    "currencies": md.Currency,
    "payment-terms": md.PaymentTerms,
    "shipping-methods": md.ShippingMethod,
    "credit-grades": md.CreditGrade,
}
# A valid body for the operations that create a child, so that scope is tested on real writes.
CREATE_BODIES = {
    "contacts": {"name": "王五"},
    "addresses": {"recipient": "赵六", "address": "某路2号"},
    "bank-accounts": {"bank_name": "建设银行", "account_number": "6217000011113333"},
    "documents": {"kind": "business_licence", "number": "NO2"},
    # The own customer's code is filled in by the world fixture (its code is generated).
    "sales-orders": {"number": "SO-NEW", "date": "2026-02-01", "amount": "10.00"},
    "sales-invoices": {"number": "IN-NEW", "date": "2026-02-01", "amount": "10.00"},
    "receipts": {"number": "RC-NEW", "date": "2026-02-01", "amount": "10.00"},
    "settlements": {"receipt": "RC-OWN", "invoice": "IN2-OWN"},
    # A scorecard's next version (the seeded default again).
    "versions": DEFAULT_SCORECARD,
}
DAY = datetime.date(2026, 1, 10)
# Sales documents: the samples are the own customer's and the other's (scope by customer).
SALES_RESOURCES = {
    "sales-orders": SalesOrder,
    "sales-invoices": SalesInvoice,
    "receipts": Receipt,
    "settlements": Settlement,
    # An order held for credit approval, of each customer.
    "credit-approvals": CreditApproval,
}
CHILD_SEGMENTS = {
    "contacts": "contacts",
    "addresses": "addresses",
    "bank-accounts": "bank_accounts",
    "documents": "documents",
}


@dataclass
class World:
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    own: Customer | None = None
    other: Customer | None = None
    job: Job | None = None  # an import job of the administrator's
    evaluation_job: Job | None = None  # an evaluation run queued by the administrator


@pytest.fixture
def world(db):
    class_tree("01", "0101")
    region_tree("11")
    for code in ("D1", "D2"):
        coded_item_create(md.Department, actor=None, data={"code": code, "name": f"部门{code}"})
    for model in set(WEB_LISTS.values()) - {md.Salesperson}:
        if not model.objects.exists():
            data = {"code": "X1", "name": "样例"}
            if model is md.PaymentTerms:
                data["text"] = "n/30"
            coded_item_create(model, actor=None, data=data)
    user_field_create(
        actor=None,
        data={"key": "sample", "label_zh": "样例", "label_en": "Sample", "field_type": "text"},
    )
    w = World()
    for role in ROLES:
        user = user_create(
            username=role.replace(" ", "_"), password="Kehu-matrix-2026", roles=[role]
        )
        w.users[role] = user
        w.tokens[role] = token_create(user=user, name="matrix")[1]
    for code, dept, username in (
        ("S1", "D1", "salesperson"),
        ("SM", "D1", "sales_manager"),
        ("S2", "D2", None),
    ):
        data = {"code": code, "name": f"业务员{code}", "department": dept}
        if username:
            data["user"] = username
        coded_item_create(md.Salesperson, actor=None, data=data)
    children = {
        "contacts": [{"name": "张三", "mobile": "13800000000"}],
        "addresses": [{"recipient": "李四", "address": "某路1号", "region_code": "11"}],
        "bank_accounts": [
            {"bank_name": "工商银行", "account_name": "户名", "account_number": "6222000011112222"}
        ],
        "documents": [{"kind": "business_licence", "number": "NO1"}],
    }
    w.own = customer(name=OWN_NAME, salesperson="S1", department="D1", **children)
    saved_query_create(
        actor=w.users["administrator"],
        data={"name": "样例查询", "shared": True, "params": {"status": "active"}},
    )
    w.other = customer(name=OTHER_NAME, salesperson="S2", department="D2", **children)
    # A finished dry run whose errors refuse its confirmation (an all-or-nothing import).
    for target, key in ((w.own, "OWN"), (w.other, "OTHER")):
        order = sales.order_create(
            actor=None, customer=target, number=f"SO-{key}", date=DAY, amount=Decimal("500")
        )
        sales.invoice_post(actor=None, order=order, number=f"IN-{key}", date=DAY)
        sales.invoice_post(
            actor=None, customer=target, number=f"IN2-{key}", date=DAY, amount=Decimal("80")
        )
        sales.receipt_post(
            actor=None, customer=target, number=f"RC-{key}", date=DAY, amount=Decimal("100")
        )
    # An evaluation run over both customers (its results are scoped like the customers),
    # and the background job that would have made it.
    run = evaluation_run(actor=None, as_of=DAY)
    # Credit control: an order of each customer held for approval.
    policy_save(actor=None, data={"scope": PolicyScope.DEFAULT, "mode": CreditMode.APPROVAL})
    for target, key in ((w.own, "OWN"), (w.other, "OTHER")):
        customer_update(actor=None, customer=target, data={"credit_limit": "1000"})
        sales.order_create(
            actor=None, customer=target, number=f"SO-HELD-{key}", date=DAY, amount=Decimal("5000")
        )
    w.job = Job.objects.create(
        kind=JobKind.IMPORT_PREVIEW,
        actor=w.users["administrator"],
        file_name="客户.csv",
        status=JobStatus.SUCCEEDED,
        result={
            "file_name": "客户.csv",
            "dry_run": True,
            "skip_errors": False,
            "rows": 1,
            "sheets": {"customers": {"created": 0, "updated": 0, "unchanged": 0, "rejected": 1}},
            "errors": [
                {"sheet": "customers", "line": 2, "column": "", "code": "x", "message": "bad"}
            ],
        },
    )
    w.evaluation_job = Job.objects.create(
        kind=JobKind.EVALUATION,
        actor=w.users["administrator"],
        status=JobStatus.SUCCEEDED,
        options={"as_of": DAY.isoformat()},
        result={"run": run.pk},
    )
    return w


def _fingerprint():
    """Row counts of every project table, plus the customers' and master data's change marks."""
    marks = []
    for app_label in (
        "customers",
        "masterdata",
        "sales",
        "evaluation",
        "accounts",
        "audit",
        "auth",
        "credit",
    ):
        try:
            config = apps.get_app_config(app_label)
        except LookupError:
            continue
        for model in config.get_models():
            queryset = model._base_manager.all()
            marks.append((model._meta.label, queryset.count()))
            has_mark = any(f.name == "updated_at" for f in model._meta.fields)
            if app_label in ("customers", "masterdata", "sales", "credit") and has_mark:
                marks.append(queryset.aggregate(Max("updated_at")))
    marks.append(Customer.objects.aggregate(Sum("version")))
    return marks


@dataclass
class Case:
    where: str
    role: str | None
    obj: str  # own / other / missing / none
    owner_only: bool = False  # a change that only the owner (the administrator) may make


def _expected(case: Case, perms, user, *, api: bool) -> str:
    if perms == PUBLIC:
        return "any"
    if user is None:
        return "unauthenticated"
    if not has_permissions(user, perms):
        return "forbidden"
    if case.obj == "missing" or (case.obj == "other" and not SEES_OTHERS[case.role]):
        return "not_found"
    if case.owner_only and case.role != "administrator":
        return "forbidden"
    return "allowed"


def _check(case: Case, expected: str, response, before, after, leaks_other: bool, *, api: bool):
    status = response.status_code
    problems = []
    if status >= 500:
        problems.append(f"server error {status}")
    elif expected == "unauthenticated":
        if api and status != 401:
            problems.append(f"{status}, expected 401")
        if not api and not (status == 302 and "/accounts/login/" in response["Location"]):
            problems.append(f"{status}, expected a redirect to the login page")
    elif expected == "forbidden" and status != 403:
        problems.append(f"{status}, expected 403")
    elif expected == "not_found" and status not in (404, 405):
        # 405: a method the route never accepts, the same answer for every object
        problems.append(f"{status}, expected 404")
    elif expected == "allowed" and status in (401, 403, 404):
        problems.append(f"{status}, expected access")
    if expected in ("unauthenticated", "forbidden", "not_found") and before != after:
        problems.append("a refused request wrote to the database")
    # Downloads (the customer export) stream their content.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if leaks_other and OTHER_NAME in content.decode("utf-8", "replace"):
        problems.append("shows a customer outside the user's data scope")
    return [f"{case.where} as {case.role or 'anonymous'} ({case.obj}): {p}" for p in problems]


def _run(call):
    """Run ``call`` in a transaction that is rolled back; return its response and the
    fingerprints before and after."""
    with transaction.atomic():
        before = _fingerprint()
        response = call()
        after = _fingerprint()
        transaction.set_rollback(True)
    return response, before, after


# Web routes -------------------------------------------------------------------------------


def _web_routes(patterns=None, prefix="", namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("admin/", "api/")):
                continue  # the Django admin (staff only) and the API (below)
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _web_routes(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield route, name, entry.callback, entry.pattern.converters


def _web_samples(world: World, name: str, params: set[str]):
    """(object kind, kwargs) pairs to request a route with; None when the route has
    parameters the matrix does not know."""
    if not params:
        return [("none", {})]
    if params == {"pk"} and (name or "").startswith("customers:"):
        return [
            ("own", {"pk": world.own.pk}),
            ("other", {"pk": world.other.pk}),
            ("missing", {"pk": MISSING_ID}),
        ]
    if params == {"number"} and (name or "").startswith("sales:"):
        kind = name.split(":")[1].split("_")[0]
        model = {"order": SalesOrder, "invoice": SalesInvoice, "receipt": Receipt}[kind]
        rows = model.objects.order_by("pk")
        return [
            ("own", {"number": rows.filter(customer=world.own).first().number}),
            ("other", {"number": rows.filter(customer=world.other).first().number}),
            ("missing", {"number": "NO-SUCH-NUMBER"}),
        ]
    if params == {"pk"} and (name or "").startswith("sales:settlement"):
        return [
            ("own", {"pk": Settlement.objects.filter(customer=world.own).first().pk}),
            ("other", {"pk": Settlement.objects.filter(customer=world.other).first().pk}),
            ("missing", {"pk": MISSING_ID}),
        ]
    if params == {"pk"} and (name or "").startswith("credit:approval"):
        return [
            ("own", {"pk": CreditApproval.objects.get(customer=world.own).pk}),
            ("other", {"pk": CreditApproval.objects.get(customer=world.other).pk}),
            ("missing", {"pk": MISSING_ID}),
        ]
    if params == {"pk"} and (name or "").startswith("credit:policy"):
        return [("own", {"pk": CreditPolicy.objects.first().pk}), ("missing", {"pk": MISSING_ID})]
    if params == {"survivor", "other"}:
        # Merging: the same customer twice (refused on the page), another salesperson's
        # customer as the other, a missing one.
        own = world.own.pk
        return [
            ("own", {"survivor": own, "other": own}),
            ("other", {"survivor": own, "other": world.other.pk}),
            ("missing", {"survivor": own, "other": MISSING_ID}),
        ]
    if params == {"pk"} and (name or "").startswith("evaluation:job"):
        # A run describes no customer: whoever may read runs follows its job.
        return [("own", {"pk": world.evaluation_job.pk}), ("missing", {"pk": MISSING_ID})]
    if params == {"pk"} and (name or "").startswith("evaluation:"):
        # A run describes no customer: its dashboard shows the reader's customers only.
        run = EvaluationRun.objects.order_by("pk").first()
        return [("own", {"pk": run.pk}), ("missing", {"pk": MISSING_ID})]
    if params == {"pk"} and (name or "").startswith("quality:import"):
        # Another user's job answers like a missing one; an administrator sees it.
        return [("other", {"pk": world.job.pk}), ("missing", {"pk": MISSING_ID})]
    if params <= {"tree", "pk"} and "tree" in params:
        samples = []
        for slug, model in WEB_TREES.items():
            if "pk" in params:
                samples.append(("own", {"tree": slug, "pk": model.objects.first().pk}))
                samples.append(("missing", {"tree": slug, "pk": MISSING_ID}))
            else:
                samples.append(("none", {"tree": slug}))
        return samples
    if params <= {"slug", "pk"} and "slug" in params:
        samples = []
        for slug, model in WEB_LISTS.items():
            if "pk" in params:
                samples.append(("own", {"slug": slug, "pk": model.objects.first().pk}))
                samples.append(("missing", {"slug": slug, "pk": MISSING_ID}))
            else:
                samples.append(("none", {"slug": slug}))
        return samples
    return None


@pytest.mark.django_db
def test_every_web_route_declares_and_enforces_its_permissions(world):
    problems = []
    clients = {None: Client()}
    for role, user in world.users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    routes = list(_web_routes())
    assert len(routes) > 15
    for route, name, callback, converters in routes:
        samples = _web_samples(world, name, set(converters))
        if samples is None:
            problems.append(f"{route}: the matrix has no sample for its parameters")
            continue
        for obj, kwargs in samples:
            url = reverse(name, kwargs=kwargs) if kwargs else "/" + route
            for method in ("GET", "POST"):
                perms = declared_permissions_of(callback, method, kwargs)
                if perms is None:
                    problems.append(f"{method} {route} declares no permission")
                    break
                for role, client in clients.items():
                    case = Case(f"{method} {url}", role, obj)
                    user = world.users.get(role)
                    expected = _expected(case, perms, user, api=False)
                    send = client.get if method == "GET" else client.post
                    response, before, after = _run(lambda send=send, url=url: send(url))
                    if user is not None and "_auth_user_id" not in client.session:
                        client.force_login(user)  # the logout route signed them out
                    leaks = role is not None and not SEES_OTHERS[role]
                    problems += _check(case, expected, response, before, after, leaks, api=False)
    assert problems == [], "\n".join(problems)


# API operations ---------------------------------------------------------------------------


def _api_samples(world: World, path: str):
    """(object kind, concrete path) pairs for an OpenAPI path; None when unknown."""
    params = re.findall(r"{(\w+)}", path)
    if not params:
        return [("none", path)]
    segments = path.removeprefix("/api/v1/").split("/")
    resource = segments[0]
    if resource == "customers":
        child = CHILD_SEGMENTS.get(segments[2]) if len(segments) > 2 else None
        samples = []
        for obj, target in (("own", world.own), ("other", world.other), ("missing", None)):
            values = {
                "id": target.pk if target else MISSING_ID,
                "code": target.code if target else "NO-SUCH-CODE",
            }
            if child:
                row = getattr(target, child).first() if target else None
                values["child_id"] = row.pk if row else MISSING_ID
            if set(params) - set(values):
                return None
            samples.append((obj, re.sub(r"{(\w+)}", lambda m, v=values: str(v[m[1]]), path)))
        return samples
    if resource in SALES_RESOURCES and params in (["number"], ["id"]):
        model = SALES_RESOURCES[resource]
        samples = []
        for obj, target in (("own", world.own), ("other", world.other), ("missing", None)):
            row = model.objects.filter(customer=target).order_by("pk").first() if target else None
            value = (
                str(getattr(row, params[0]))
                if row
                else ("NO-SUCH-NUMBER" if params == ["number"] else str(MISSING_ID))
            )
            samples.append((obj, path.replace(f"{{{params[0]}}}", value)))
        return samples
    if resource == "evaluation-runs" and params == ["id", "code"]:
        run = EvaluationRun.objects.order_by("pk").first()
        return [
            (obj, path.replace("{id}", str(run.pk)).replace("{code}", code))
            for obj, code in (
                ("own", world.own.code),
                ("other", world.other.code),
                ("missing", "NO-SUCH-CODE"),
            )
        ]
    if resource == "import-jobs" and params == ["job_id"]:
        return [
            (obj, path.replace("{job_id}", str(job_id)))
            for obj, job_id in (("other", world.job.pk), ("missing", MISSING_ID))
        ]
    if resource == "coding-schemes" and params == ["tree"]:
        return [("none", path.replace("{tree}", tree)) for tree in ("customer_class", "region")]
    model = API_MODELS.get(resource)
    if model is None or not set(params) <= {"id", "code"}:
        return None
    row = model.objects.order_by("pk").first()
    own = {"id": row.pk, "code": getattr(row, "code", getattr(row, "name", ""))}
    missing = {"id": MISSING_ID, "code": "NO-SUCH-CODE"}
    return [
        (obj, re.sub(r"{(\w+)}", lambda m, v=values: str(v[m[1]]), path))
        for obj, values in (("own", own), ("missing", missing))
    ]


@pytest.mark.django_db
def test_every_api_operation_declares_and_enforces_its_permissions(world, client):
    document = client.get("/api/v1/openapi.json").json()
    clients = {None: ApiClient(Client(), None)}
    for role in ROLES:
        clients[role] = ApiClient(Client(), world.tokens[role])
    problems = []
    operations = [
        (path, method.upper(), operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 50
    for path, method, operation in operations:
        if operation.get("x-public"):
            perms = PUBLIC
        elif "x-permissions" in operation:
            perms = tuple(operation["x-permissions"])
        else:
            problems.append(f"{method} {path} declares no permission")
            continue
        samples = _api_samples(world, path)
        if samples is None:
            problems.append(f"{method} {path}: the matrix has no sample for its parameters")
            continue
        for obj, url in samples:
            for role, api in clients.items():
                resource = path.removeprefix("/api/v1/").split("/")[0]
                owner_only = obj == "own" and (resource, method) in OWNER_ONLY
                case = Case(f"{method} {url}", role, obj, owner_only)
                user = world.users.get(role)
                expected = _expected(case, perms, user, api=True)
                send = getattr(api, method.lower())
                body = CREATE_BODIES.get(path.rsplit("/", 1)[-1], {}) if method == "POST" else {}
                if path.rsplit("/", 1)[-1] in ("sales-orders", "sales-invoices", "receipts"):
                    body = {**body, "customer_code": world.own.code}
                args = (url,) if method in ("GET", "DELETE") else (url, body)
                response, before, after = _run(lambda send=send, args=args: send(*args))
                leaks = role is not None and not SEES_OTHERS[role]
                problems += _check(case, expected, response, before, after, leaks, api=True)
    assert problems == [], "\n".join(problems)
