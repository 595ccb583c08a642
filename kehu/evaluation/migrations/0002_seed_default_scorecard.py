"""Seed the default scorecard of SPEC §6 (version 1), unless a default scorecard exists."""

from django.db import migrations

from kehu.evaluation.defaults import scorecard_default_seed

MODELS = ("Scorecard", "ScorecardVersion", "Dimension", "Indicator", "GradeBand", "ServiceStrategy")


def seed(apps, schema_editor):
    scorecard_default_seed({name: apps.get_model("evaluation", name) for name in MODELS})


def unseed(apps, schema_editor):
    # Only a default scorecard that no run used can go; otherwise PROTECT refuses.
    Scorecard = apps.get_model("evaluation", "Scorecard")
    for card in Scorecard.objects.filter(code="default"):
        apps.get_model("evaluation", "ScorecardVersion").objects.filter(scorecard=card).delete()
        card.delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_scorecards_runs")]

    operations = [migrations.RunPython(seed, unseed)]
