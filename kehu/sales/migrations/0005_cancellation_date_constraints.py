from django.db import migrations, models


class Migration(migrations.Migration):
    """A cancelled order or invoice, a reversed receipt, has its day; no other has one."""

    dependencies = [
        ('sales', '0004_cancellation_dates_backfill'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='receipt',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('reversed_on__isnull', False), ('status', 'reversed')), models.Q(models.Q(('status', 'reversed'), _negated=True), ('reversed_on__isnull', True)), _connector='OR'), name='receipt_reversed_on_when_reversed'),
        ),
        migrations.AddConstraint(
            model_name='salesinvoice',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('cancelled_on__isnull', False), ('status', 'cancelled')), models.Q(models.Q(('status', 'cancelled'), _negated=True), ('cancelled_on__isnull', True)), _connector='OR'), name='salesinvoice_cancelled_on_when_cancelled'),
        ),
        migrations.AddConstraint(
            model_name='salesorder',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('cancelled_on__isnull', False), ('status', 'cancelled')), models.Q(models.Q(('status', 'cancelled'), _negated=True), ('cancelled_on__isnull', True)), _connector='OR'), name='salesorder_cancelled_on_when_cancelled'),
        ),
    ]
