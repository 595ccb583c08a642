"""Seed the coding schemes, CNY (and the usual trading currencies) and a standard grade list."""

from django.db import migrations

SCHEMES = [("customer_class", "2-2-3"), ("region", "2-2-2")]
CURRENCIES = [
    ("CNY", "人民币", "¥", 2),
    ("USD", "美元", "$", 2),
    ("EUR", "欧元", "€", 2),
    ("HKD", "港币", "HK$", 2),
    ("JPY", "日元", "¥", 0),
]
GRADES = [
    ("AAA", "AAA 信用极好", 1),
    ("AA", "AA 信用优良", 2),
    ("A", "A 信用较好", 3),
    ("B", "B 信用一般", 4),
    ("C", "C 信用较差", 5),
]


def seed(apps, schema_editor):
    CodingScheme = apps.get_model("masterdata", "CodingScheme")
    Currency = apps.get_model("masterdata", "Currency")
    CreditGrade = apps.get_model("masterdata", "CreditGrade")
    for tree, segments in SCHEMES:
        CodingScheme.objects.get_or_create(tree=tree, defaults={"segments": segments})
    for code, name, symbol, decimals in CURRENCIES:
        Currency.objects.get_or_create(
            code=code, defaults={"name": name, "symbol": symbol, "decimals": decimals}
        )
    for code, name, rank in GRADES:
        CreditGrade.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})


class Migration(migrations.Migration):
    dependencies = [("masterdata", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
