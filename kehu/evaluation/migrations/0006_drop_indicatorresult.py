from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0005_move_indicator_results"),
    ]

    operations = [
        migrations.DeleteModel(
            name="IndicatorResult",
        ),
    ]
