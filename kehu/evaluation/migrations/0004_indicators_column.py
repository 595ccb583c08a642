import django.db.models.deletion
from django.db import migrations, models

import kehu.evaluation.results


class Migration(migrations.Migration):
    """A customer's indicator results move into one JSON column of its evaluation (decision
    0010): the column first; 0005 moves the rows, 0006 drops their table."""

    dependencies = [
        ("evaluation", "0003_results_fewer_indexes"),
    ]

    operations = [
        # The rows' reverse accessor gives way to the column of the same name (no change in
        # the database).
        migrations.AlterField(
            model_name="indicatorresult",
            name="evaluation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="evaluation.customerevaluation",
                verbose_name="customer evaluation",
            ),
        ),
        migrations.AddField(
            model_name="customerevaluation",
            name="indicators",
            field=models.JSONField(
                decoder=kehu.evaluation.results.ExactDecoder,
                default=list,
                editable=False,
                verbose_name="indicator results",
            ),
        ),
    ]
