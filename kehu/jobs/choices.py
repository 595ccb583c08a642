from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class JobKind(models.TextChoices):
    IMPORT_PREVIEW = "import_preview", _("Import preview (dry run)")
    IMPORT = "import", _("Import")
    EVALUATION = "evaluation", _("Evaluation run")
