"""The day of the cancellations (reversals) made before the documents kept it.

Such a document was cancelled (reversed) by one write that nothing changed afterwards: its
``updated_at`` is when that happened, taken as a day in the installation's time zone (what
aging read until then). One UPDATE per model.
"""

from django.db import migrations
from django.db.models.functions import TruncDate
from django.utils import timezone

UNDONE = (
    ("SalesOrder", "cancelled", "cancelled_on"),
    ("SalesInvoice", "cancelled", "cancelled_on"),
    ("Receipt", "reversed", "reversed_on"),
)


def backfill(apps, schema_editor):
    zone = timezone.get_current_timezone()
    for name, status, day in UNDONE:
        model = apps.get_model("sales", name)
        model._base_manager.filter(status=status, **{f"{day}__isnull": True}).update(
            **{day: TruncDate("updated_at", tzinfo=zone)}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0003_cancellation_dates"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
