"""The import template (SPEC §8): an XLSX workbook with the canonical sheets and headers in
Chinese or English, an example customer, and drop-down lists of the current master data for
the coded columns (and yes/no for the flags)."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from kehu.customers.exports import DEFAULT_COLUMNS
from kehu.customers.models import UserField
from kehu.masterdata.models import (
    CreditGrade,
    Currency,
    CustomerClass,
    Department,
    Industry,
    PaymentTerms,
    Region,
    Salesperson,
)
from kehu.quality.importing.sheets import SHEETS, Column

LISTS_SHEET = "_lists"  # sheets named "_…" are skipped by the importer
MAX_ROWS = 10000  # the rows the drop-down lists apply to
# column key -> the active codes offered in its drop-down list
LISTS = {
    "class_code": lambda: CustomerClass.objects.filter(is_leaf=True),
    "region_code": lambda: Region.objects.filter(is_leaf=True),
    "industry": lambda: Industry.objects.filter(is_active=True),
    "currency": lambda: Currency.objects.filter(is_active=True),
    "department": lambda: Department.objects.filter(is_active=True),
    "salesperson": lambda: Salesperson.objects.filter(is_active=True),
    "credit_grade": lambda: CreditGrade.objects.filter(is_active=True),
    "payment_terms": lambda: PaymentTerms.objects.filter(is_active=True),
}


def _columns(spec, language: str) -> list[tuple[Column, str]]:
    if spec.key == "customers":
        by_key = {column.key: column for column in spec.columns}
        columns = [(by_key[key], None) for key in DEFAULT_COLUMNS]
        for definition in UserField.objects.filter(is_active=True).order_by("group", "position"):
            label = definition.label_zh if language == "zh" else definition.label_en
            columns.append((Column(definition.key, definition.label_zh, "user"), label))
    else:
        columns = [(column, None) for column in spec.columns]
    return [
        (column, label or (column.header_zh if language == "zh" else column.key))
        for column, label in columns
    ]


def _example(language: str) -> dict:
    """An example customer on the first rows of the current master data."""
    first = {key: rows().values_list("code", flat=True).first() for key, rows in LISTS.items()}
    return {
        "code": "C00001",
        "name": "上海示例贸易有限公司" if language == "zh" else "Example Trading Co., Ltd.",
        "short_name": "示例贸易" if language == "zh" else "Example Trading",
        "founded_on": "2015-06-01",
        "employees": 120,
        "address": "上海市浦东新区世纪大道100号",
        "postal_code": "200120",
        "phone": "021-55550000",
        "email": "sales@example.com",
        "credit_limit": 100000,
        "credit_days": 30,
        **{key: code for key, code in first.items() if code},
    }


def import_template(language: str = "zh") -> bytes:
    """The template workbook as bytes; ``language`` is ``zh`` or ``en``."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    ranges = {}
    for index, (key, rows) in enumerate(LISTS.items(), start=1):
        codes = list(rows().order_by("code").values_list("code", flat=True)[:5000])
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=key)
        for row, code in enumerate(codes, start=2):
            lists.cell(row=row, column=index, value=code)
        if codes:
            ranges[key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(codes) + 1}"
    yes_no = '"是,否"' if language == "zh" else '"Y,N"'
    bold = Font(bold=True)
    for spec in SHEETS:
        if spec.importer is None:
            continue
        sheet = workbook.create_sheet(spec.title(language))
        columns = _columns(spec, language)
        example = _example(language) if spec.key == "customers" else {}
        for index, (column, header) in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=header)
            cell.font = bold
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(header) * 2 + 2)
            if column.kind not in ("number", "date"):
                sheet.column_dimensions[letter].number_format = "@"
            if column.key in example:
                sheet.cell(row=2, column=index, value=example[column.key])
            formula = ranges.get(column.key) or (yes_no if column.kind == "bool" else None)
            if formula:
                validation = DataValidation(
                    type="list",
                    formula1=formula,
                    allow_blank=True,
                    showErrorMessage=True,
                    error=_("Choose a value from the list."),
                )
                validation.add(f"{letter}2:{letter}{MAX_ROWS}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "A2"
    workbook.move_sheet(LISTS_SHEET, offset=len(workbook.sheetnames) - 1)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
