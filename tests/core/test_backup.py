"""``kehu backup FILE`` and ``kehu restore FILE``: a round trip gives back identical data."""

import datetime
import gzip
import importlib
import json

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from kehu.accounts.services import token_create, user_create
from kehu.audit.models import AuditAction, AuditEvent
from kehu.cli import main
from kehu.customers.models import Customer
from kehu.masterdata.models import Currency, Salesperson
from kehu.masterdata.services import coded_item_create
from tests.factories import class_tree, customer, region_tree

pytestmark = pytest.mark.django_db(transaction=True)
VALID_CODE = "91330000J1XG612DD6"


@pytest.fixture(autouse=True)
def seeded_defaults():
    """What the migrations seed, as on a new database (a transactional test flushes it)."""
    seed_migration = importlib.import_module("kehu.masterdata.migrations.0002_seed_defaults")
    seed_migration.seed(apps, None)


@pytest.fixture
def archive():
    """Some of everything: users with roles, a token, trees, lists, customers with their
    contacts, addresses, documents and tags, and audit events."""
    admin = user_create(username="admin", password="Kehu-admin-2026", roles=["administrator"])
    sales = user_create(
        username="li.lei", password="Kehu-sales-2026", roles=["salesperson"], first_name="雷"
    )
    token_create(user=admin, name="erp sync")
    class_tree("01", "0101", "0102")
    region_tree("33", "3301")
    coded_item_create(Salesperson, actor=None, data={"code": "S1", "name": "王五"})
    first = customer(
        name="浙江泰锐家居有限公司",
        credit_code=VALID_CODE,
        registered_capital="1234567.89",
        founded_on=datetime.date(2001, 2, 3),
        contacts=[{"name": "张三", "is_primary": True}, {"name": "李四", "mobile": "13900000000"}],
        addresses=[{"address": "杭州市人民路 1 号", "is_default": True}],
        documents=[{"kind": "business_licence", "number": VALID_CODE}],
        tags=["重点客户", "新客户"],
    )
    customer("0102", contacts=[{"name": "王芳"}], tags=["新客户"])
    AuditEvent.objects.create(
        action=AuditAction.UPDATE,
        actor=sales,
        actor_name="li.lei",
        ip="10.0.0.7",
        object_id=str(first.pk),
        object_repr=first.name,
        customer_id=first.pk,
        changes={"name": ["旧名", first.name], "credit_limit": ["0.00", "5000.00"]},
    )
    AuditEvent.objects.create(action=AuditAction.LOGIN_FAILED, actor_name="nobody", ip="::1")
    return first


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table, as stored."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def test_a_round_trip_gives_back_every_row_identically(archive, tmp_path):
    path = tmp_path / "kehu.json.gz"
    before = snapshot()
    assert before["audit.AuditEvent"] and before["auth.User_groups"]

    call_command("backup", str(path))
    # The database moves on after the backup: a new customer, a changed one, a lost user.
    customer(name="备份之后的客户有限公司")
    Customer.objects.filter(pk=archive.pk).update(name="改过的名字有限公司")
    Currency.objects.filter(code="USD").delete()
    AuditEvent.objects.create(action=AuditAction.LOGIN, actor_name="admin")
    assert snapshot() != before

    call_command("restore", str(path), "--force")

    assert snapshot() == before


def test_a_new_customer_after_a_restore_gets_a_fresh_id(archive, tmp_path):
    path = tmp_path / "kehu.json.gz"
    call_command("backup", str(path))
    call_command("restore", str(path), "--force")

    created = customer(name="恢复之后的客户有限公司", contacts=[{"name": "新人"}])

    assert created.pk > archive.pk
    assert Customer.objects.count() == 3


def test_restore_refuses_a_database_with_data_unless_forced(archive, tmp_path):
    path = tmp_path / "kehu.json.gz"
    call_command("backup", str(path))
    customer(name="不该丢的客户有限公司")
    before = snapshot()

    with pytest.raises(CommandError, match=r"already holds data\. Restore with --force"):
        call_command("restore", str(path))

    assert snapshot() == before


def test_a_new_database_takes_a_restore_without_force(archive, tmp_path):
    path = tmp_path / "kehu.json.gz"
    call_command("backup", str(path))
    before = snapshot()
    call_command("flush", interactive=False)  # as new: only what migrate seeds

    call_command("restore", str(path))

    assert snapshot() == before


def _damage(path, edit):
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    path.write_bytes(gzip.compress("".join(edit(lines)).encode()))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), id="cut"),
        pytest.param(lambda p: p.write_text("customers,contacts\n1,2\n"), id="not-a-backup"),
        pytest.param(lambda p: _damage(p, lambda lines: lines[:-3]), id="rows-missing"),
        pytest.param(
            lambda p: _damage(p, lambda lines: [*lines[:-1], lines[-1][:-20] + "\n"]),
            id="bad-json",
        ),
        pytest.param(
            lambda p: _damage(
                p, lambda lines: [*lines[:-1], lines[-1].replace('"fields"', '"feelds"')]
            ),
            id="bad-row",
        ),
    ],
)
def test_a_damaged_backup_is_refused_and_nothing_changes(archive, tmp_path, damage):
    path = tmp_path / "kehu.json.gz"
    call_command("backup", str(path))
    customer(name="不该丢的客户有限公司")
    damage(path)
    before = snapshot()

    with pytest.raises(CommandError, match="is not a readable Kehu backup"):
        call_command("restore", str(path), "--force")

    assert snapshot() == before


def test_a_missing_file_is_named(db, tmp_path):
    with pytest.raises(CommandError, match=r"There is no file .*nothing\.json\.gz"):
        call_command("restore", str(tmp_path / "nothing.json.gz"))


def test_a_backup_of_another_schema_is_refused(archive, tmp_path):
    path = tmp_path / "kehu.json.gz"
    call_command("backup", str(path))

    def newer(lines):
        header = json.loads(lines[0])
        header["migrations"]["customers"].append("0099_from_the_future")
        return [json.dumps(header) + "\n", *lines[1:]]

    _damage(path, newer)
    before = snapshot()

    with pytest.raises(CommandError, match=r"Only in the backup: customers\.0099_from_the_future"):
        call_command("restore", str(path), "--force")

    assert snapshot() == before


def test_the_commands_are_listed_by_kehu_help(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "  backup " in out and "  restore " in out
