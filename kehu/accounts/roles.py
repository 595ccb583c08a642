"""The roles of SPEC §9 as Django groups with model permissions.

Groups are created with their permissions when missing, after every ``migrate``; a group an
administrator has since edited is left as it is.
"""

from django.utils.translation import gettext_noop

MASTERDATA_MODELS = [
    "codingscheme",
    "customerclass",
    "region",
    "industry",
    "department",
    "salesperson",
    "currency",
    "paymentterms",
    "shippingmethod",
    "creditgrade",
]
CUSTOMER_MODELS = [
    "customer",
    "contact",
    "deliveryaddress",
    "bankaccount",
    "qualificationdocument",
    "tag",
]
SALES_MODELS = ["salesorder", "salesinvoice", "receipt", "settlement"]
# Reading the evaluation: scorecards, runs, results and ratings (results follow the data scope).
EVALUATION_VIEW = [
    "evaluation.view_scorecard",
    "evaluation.view_evaluationrun",
    "evaluation.view_customerevaluation",
    "evaluation.view_manualrating",
]
# Everyone who sees documents sees the credit policies, the holds and the credit check's
# record of them; credit controllers (and administrators) set policies and approve.
CREDIT_READ = [
    "credit.view_creditpolicy",
    "credit.view_creditapproval",
    "credit.view_creditevent",
]
# Documents are never deleted (cancelled or reversed: a change), so no role needs "delete".
WRITE = ("add", "change", "view")
CUSTOMER_CHILDREN = ["contact", "deliveryaddress", "bankaccount", "qualificationdocument", "tag"]


def _perms(app, models, actions):
    return [f"{app}.{action}_{model}" for model in models for action in actions]


ALL = ("add", "change", "delete", "view")

# Role names are stored in English (stable keys) and translated for display.
ROLES = {
    gettext_noop("administrator"): "__all__",
    gettext_noop("sales manager"): (
        _perms("masterdata", MASTERDATA_MODELS, ("view",))
        + _perms("masterdata", ["industry", "salesperson", "shippingmethod"], ALL)
        + _perms("customers", CUSTOMER_MODELS, ALL)
        + ["customers.view_userfield", "audit.view_auditevent"]
        + _perms("sales", ["salesorder", "salesinvoice"], WRITE)
        + _perms("sales", ["receipt", "settlement"], ("view",))
        + EVALUATION_VIEW
        + [
            "evaluation.change_scorecard",
            "evaluation.add_evaluationrun",
            "evaluation.add_manualrating",
        ]
        + CREDIT_READ
    ),
    gettext_noop("salesperson"): (
        _perms("masterdata", MASTERDATA_MODELS, ("view",))
        + _perms("customers", ["customer"], ("add", "change", "view"))
        + _perms("customers", CUSTOMER_CHILDREN, ALL)
        + ["customers.view_userfield"]
        + _perms("sales", ["salesorder"], WRITE)
        + _perms("sales", ["salesinvoice", "receipt", "settlement"], ("view",))
        + EVALUATION_VIEW
        + ["evaluation.add_manualrating"]
        + CREDIT_READ
    ),
    gettext_noop("credit controller"): (
        _perms("masterdata", MASTERDATA_MODELS, ("view",))
        + _perms("masterdata", ["creditgrade", "paymentterms"], ALL)
        + _perms("customers", ["customer"], ("change", "view"))
        + _perms("customers", CUSTOMER_CHILDREN, ("view",))
        + ["customers.change_customer_credit", "customers.view_userfield"]
        + _perms("sales", ["receipt", "settlement"], WRITE)
        + _perms("sales", ["salesorder", "salesinvoice"], ("view",))
        + EVALUATION_VIEW
        + ["evaluation.add_evaluationrun"]
        + CREDIT_READ
        + _perms("credit", ["creditpolicy", "creditapprover"], ALL)
        + ["credit.approve_creditapproval"]
    ),
    gettext_noop("auditor"): (
        _perms("masterdata", MASTERDATA_MODELS, ("view",))
        + _perms("customers", CUSTOMER_MODELS, ("view",))
        + ["customers.view_userfield", "audit.view_auditevent"]
        + _perms("sales", SALES_MODELS, ("view",))
        + EVALUATION_VIEW
        + CREDIT_READ
        + _perms("credit", ["creditapprover"], ("view",))
    ),
}
KEHU_APPS = ("masterdata", "customers", "sales", "credit", "evaluation", "accounts", "audit")
# Administrators also manage users and roles (Django's auth app: users, groups).
ADMIN_AUTH_MODELS = ("user", "group")


def roles_seed(*, using="default"):
    """Create each missing role group with its permissions. Idempotent."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    # post_migrate reaches the apps in INSTALLED_APPS order: make sure the permissions of
    # every app the roles hand out exist, including apps listed after this one (audit).
    for label in (*KEHU_APPS, "auth"):
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
    wanted_all = Permission.objects.using(using).filter(
        Q(content_type__app_label__in=KEHU_APPS)
        | Q(content_type__app_label="auth", content_type__model__in=ADMIN_AUTH_MODELS)
    )
    for name, perms in ROLES.items():
        group, created = Group.objects.using(using).get_or_create(name=name)
        if not created:
            continue
        if perms == "__all__":
            group.permissions.set(wanted_all)
            continue
        wanted = Q()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.using(using).filter(wanted))


def roles_seed_after_migrate(sender, using="default", **kwargs):
    from kehu.audit.context import recording_suspended

    with recording_suspended():
        roles_seed(using=using)
