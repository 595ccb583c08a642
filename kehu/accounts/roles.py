"""The roles of SPEC §9 as Django groups with model permissions.

After every ``migrate`` (``post_migrate``), ``roles_sync`` keeps the five built-in roles in
step with their definitions below, without undoing what an administrator changed:

- a missing built-in role is created with every permission of its definition;
- a permission added to a role's definition (a new release's) is given to the role once;
- a permission taken out of a role's definition is taken from the role;
- a permission an administrator took from a built-in role or gave to it stays as they left it
  (it is not in the definition's change), and roles an administrator created are never touched.

What the sync has handed out is kept in ``RoleGrant`` (the ledger); the difference between the
definition and the ledger is the release's change. An installation from before the ledger has
none: its first sync treats every permission of the definition that a role lacks as new.
"""

from django.db import connections, transaction
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


def _wanted_permissions(using: str) -> dict[str, set[int]]:
    """Each built-in role's permission ids, as ``ROLES`` defines them."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    everything = Q(content_type__app_label__in=KEHU_APPS) | Q(
        content_type__app_label="auth", content_type__model__in=ADMIN_AUTH_MODELS
    )
    ids = {
        (app_label, codename): pk
        for pk, app_label, codename in Permission.objects.using(using)
        .filter(everything)
        .values_list("pk", "content_type__app_label", "codename")
    }
    wanted = {}
    for name, perms in ROLES.items():
        if perms == "__all__":
            wanted[name] = set(ids.values())
        else:
            wanted[name] = {ids[key] for key in (tuple(p.split(".")) for p in perms) if key in ids}
    return wanted


def roles_sync(*, using="default") -> dict[str, tuple[set[int], set[int]]]:
    """Create the missing built-in roles and bring the others up to their definitions (see
    the module's docstring). Idempotent. Returns, per role, the permission ids added and
    removed."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group

    from kehu.accounts.models import RoleGrant
    from kehu.audit.context import recording_suspended

    if RoleGrant._meta.db_table not in connections[using].introspection.table_names():
        return {}  # migrated back to before the ledger: nothing can be compared
    # post_migrate reaches the apps in INSTALLED_APPS order: make sure the permissions of
    # every app the roles hand out exist, including apps listed after this one (audit).
    for label in (*KEHU_APPS, "auth"):
        create_permissions(apps.get_app_config(label), verbosity=0, using=using)
    wanted_by_role = _wanted_permissions(using)
    granted_by_role: dict[str, set[int]] = {}
    for role, permission_id in RoleGrant.objects.using(using).values_list("role", "permission_id"):
        granted_by_role.setdefault(role, set()).add(permission_id)
    done = {}
    with transaction.atomic(using=using):
        for name, wanted in wanted_by_role.items():
            group = Group.objects.using(using).filter(name=name).first()
            granted = granted_by_role.get(name)
            if group is None:
                with recording_suspended():  # a new role: nothing to compare it with
                    group = Group.objects.using(using).create(name=name)
                    group.permissions.set(wanted)
                added, removed = wanted, set()
            else:
                held = set(group.permissions.values_list("pk", flat=True))
                # Without a ledger (an installation from before it) every permission the
                # role lacks counts as new.
                added = (wanted - (held if granted is None else granted)) - held
                removed = ((granted or set()) - wanted) & held
                # Recorded in the audit trail like an administrator's change of the role.
                if added:
                    group.permissions.add(*added)
                if removed:
                    group.permissions.remove(*removed)
            if granted != wanted:
                with recording_suspended():
                    RoleGrant.objects.using(using).filter(role=name).exclude(
                        permission_id__in=wanted
                    ).delete()
                    RoleGrant.objects.using(using).bulk_create(
                        [
                            RoleGrant(role=name, permission_id=pk)
                            for pk in wanted - (granted or set())
                        ]
                    )
            done[name] = (added, removed)
    return done


# The demo loader's name for it.
roles_seed = roles_sync


def roles_seed_after_migrate(sender, using="default", **kwargs):
    roles_sync(using=using)
