"""Export → import round trip (issue 5's acceptance, SPEC §8): a file exported with the default
columns carries every field the importer reads, so that importing it again changes nothing —
and importing it into an archive without those customers gives them back field for field.

The archive here exercises every field: foreign customers (whose tax number is not a unified
social credit code: the country column must travel with it), every reference, the flags,
tags, and user-defined fields of every type."""

import pytest
from stdnum.cn import uscc

from kehu.audit.models import AuditEvent
from kehu.customers import exports, fields
from kehu.customers.models import Customer
from kehu.customers.services import user_field_create
from kehu.quality.importing import import_file
from tests.factories import class_tree, customer, reference_lists, region_tree

pytestmark = pytest.mark.django_db

FORMATS = [
    ("zh-hans", "xlsx", "utf-8"),
    ("en", "xlsx", "utf-8"),
    ("zh-hans", "csv", "gb18030"),
    ("en", "csv", "utf-8"),
]


def _credit_code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


@pytest.fixture
def archive(db):
    class_tree("01", "0101", "0102")
    region_tree("31", "3101")
    reference_lists()
    for key, label_zh, label_en, field_type, choices in (
        ("source", "客户来源", "Source", "text", []),
        ("staff", "员工规模", "Staff", "number", []),
        ("ratio", "毛利率", "Margin", "number", []),
        ("visited", "拜访日期", "Visited on", "date", []),
        ("level", "客户级别", "Level", "choice", ["金牌", "银牌"]),
        ("vip", "重要客户", "VIP", "boolean", []),
    ):
        user_field_create(
            actor=None,
            data={
                "key": key,
                "label_zh": label_zh,
                "label_en": label_en,
                "field_type": field_type,
                "choices": choices,
            },
        )
    customer(
        "0101",
        code="H1",
        name="上海总部贸易有限公司",
        short_name="总部贸易",
        mnemonic="ZBMY",
        region_code="3101",
        industry="IT",
        country="CN",
        credit_code=_credit_code("91310115MA1K4TW7X"),
        legal_representative="张三",
        registered_capital="5000000.00",
        registered_capital_currency="USD",
        founded_on="2008-08-08",
        employees=300,
        annual_revenue="123456789.50",
        currency="CNY",
        kind="enterprise",
        is_supplier=True,
        supplier_code="V001",
        department="D1",
        salesperson="S1",
        address="上海市浦东新区世纪大道1号",
        postal_code="200120",
        phone="+86 21 5555 0000",
        fax="021-55550001",
        mobile="13800000000",
        email="hq@example.cn",
        website="https://hq.example.cn",
        shipping_method="SEA",
        credit_grade="AA",
        credit_limit="100000.00",
        credit_days=45,
        payment_terms="N30",
        discount_rate="2.50",
        price_level="批发价",
        control_credit_limit=True,
        control_credit_days=True,
        control_via_parent=False,
        developed_on="2015-03-01",
        remarks="=SUM(A1)",
        tags=["重点客户", "华东"],
        user_fields={
            "source": "展会",
            "staff": 120,
            "ratio": 12.5,
            "visited": "2024-05-06",
            "level": "金牌",
            "vip": True,
        },
    )
    # A foreign branch: its tax number is not a credit code, and must not be read as one.
    customer(
        "0102",
        code="B1",
        name="Müller Handels GmbH",
        short_name="Müller",
        mnemonic="MH",
        parent_code="H1",
        country="DE",
        credit_code="DE129273398",
        kind="enterprise",
        currency="EUR",
        control_via_parent=True,
        tags=["海外"],
        user_fields={"vip": False, "staff": 8},
    )
    customer(
        "0102",
        code="U1",
        name="Acme Supplies Inc.",
        country="US",
        credit_code="12-3456789",
        kind="individual",
        is_supplier=False,
        user_fields={"level": "银牌"},
    )
    customer("0101", code="X1", name="停用的公司", deactivated_on="2024-01-31")


def _export(tmp_path, language, file_format, encoding, **options):
    params = exports.ExportParams(
        format=file_format, language=language, encoding=encoding, **options
    )
    path = tmp_path / f"export-{language}.{file_format}"
    with path.open("wb") as file:
        exports.export_write(Customer.objects.order_by("code"), params, file)
    return path


def _snapshot() -> dict:
    """Every field the archive lets a user write, by customer code."""
    snapshot = {}
    for customer_row in Customer.objects.select_related(
        *[model_field for model_field, _m in fields.REFERENCE_FIELDS.values()]
    ).prefetch_related("tags"):
        values = {key: getattr(customer_row, key) for key in fields.PLAIN_FIELDS}
        for key, (model_field, _model) in fields.REFERENCE_FIELDS.items():
            related = getattr(customer_row, model_field)
            values[key] = related.code if related is not None else None
        values["tags"] = sorted(tag.name for tag in customer_row.tags.all())
        values["user_fields"] = customer_row.user_fields
        snapshot[customer_row.code] = values
    return snapshot


@pytest.mark.parametrize(("language", "file_format", "encoding"), FORMATS)
def test_the_default_export_imported_as_a_dry_run_reports_no_change(
    tmp_path, admin_user, archive, language, file_format, encoding
):
    path = _export(tmp_path, language, file_format, encoding)
    before = AuditEvent.objects.count()

    report = import_file(path, actor=admin_user, dry_run=True)

    assert report.ok, report.errors
    assert [c for c in report.changes if c.action != "unchanged"] == []
    assert report.sheets["customers"].unchanged == 4
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(("language", "file_format", "encoding"), FORMATS)
def test_the_default_export_gives_back_every_field_of_every_customer(
    tmp_path, admin_user, archive, language, file_format, encoding
):
    before = _snapshot()
    path = _export(tmp_path, language, file_format, encoding)
    Customer.objects.filter(parent__isnull=False).delete()
    Customer.objects.all().delete()

    report = import_file(path, actor=admin_user)

    assert report.ok, report.errors
    assert {c.action for c in report.changes} == {"create"}
    after = _snapshot()
    assert after == before
    assert after["B1"]["country"] == "DE" and after["B1"]["credit_code"] == "DE129273398"


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_the_default_columns_carry_the_country_in_both_languages(tmp_path, archive, file_format):
    from tests.customers.test_export import csv_rows, xlsx_rows

    for language, header, country in (("zh-hans", "国家", "DE"), ("en", "country", "DE")):
        data = _export(tmp_path, language, file_format, "utf-8").read_bytes()
        if file_format == "csv":
            rows = csv_rows(data)
        else:
            rows = xlsx_rows(data, "客户" if language == "zh-hans" else "customers")
        column = rows[0].index(header)
        by_code = {row[0]: row for row in rows[1:]}
        assert by_code["B1"][column] == country
