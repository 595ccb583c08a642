"""Which jobs a user may see: their own; an administrator sees everyone's."""

from django.db.models import QuerySet

from kehu.jobs.models import Job

ADMINISTRATOR_ROLE = "administrator"


def is_administrator(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.groups.filter(name=ADMINISTRATOR_ROLE).exists())
    )


def jobs_visible_to(user, *, kinds: tuple[str, ...] | None = None) -> QuerySet[Job]:
    """The jobs ``user`` may see, newest first; another user's job answers like a missing one."""
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    jobs = Job.objects.select_related("actor")
    if kinds is not None:
        jobs = jobs.filter(kind__in=kinds)
    if is_administrator(user):
        return jobs
    return jobs.filter(actor=user)
