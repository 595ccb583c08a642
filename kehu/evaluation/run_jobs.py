"""Evaluation runs started from the UI, as background jobs (SPEC §6: "long runs from the UI
as a background job").

The page queues a ``Job`` (kind ``evaluation``); a worker runs ``evaluation_run`` — the same
service as ``kehu evaluate`` and the API, which stay synchronous — reporting its progress to
the job, and stores the run's id as the job's result. The run's page reads the job record
only, so it shows the same state after a reload, from any app process. A run describes no
customer, so anyone who may read runs may follow its job.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tasks import task

from kehu.customers.models import SavedQuery
from kehu.customers.selectors import saved_queries_visible_to
from kehu.evaluation.services import evaluation_run
from kehu.evaluation.services.runs import run_date_problem
from kehu.jobs.choices import JobKind
from kehu.jobs.models import Job
from kehu.jobs.services import job_create, job_enqueue, job_run


def run_jobs() -> QuerySet:
    """The evaluation jobs, newest first."""
    return Job.objects.filter(kind=JobKind.EVALUATION).select_related("actor")


@task()
def evaluation_job_task(job_id: int) -> None:
    """The task a worker runs: the evaluation run of one job."""
    job_run(job_id, _evaluation_work)


def _query_of(actor, query_id) -> SavedQuery | None:
    if query_id is None:
        return None
    query = saved_queries_visible_to(actor).filter(pk=query_id).first()
    if query is None:
        raise ValidationError({"query": [_("There is no such saved query.")]})
    return query


def _evaluation_work(job: Job, progress) -> dict:
    options = job.options
    as_of = datetime.date.fromisoformat(options["as_of"]) if options.get("as_of") else None
    query = _query_of(job.actor, options.get("query"))
    stage = _("Reading the documents and scoring")
    progress(0, 0, stage)
    run = evaluation_run(
        actor=job.actor,
        as_of=as_of,
        query=query,
        progress=lambda done, total: progress(done, total, stage),
    )
    return {"run": run.pk, "customer_count": run.customer_count}


def evaluation_job_start(
    *, actor, as_of: datetime.date | None = None, query_id: int | None = None
) -> Job:
    """Queue an evaluation run as of ``as_of`` (today by default) of the customers ``actor``
    sees, or of their saved query ``query_id``. The date and the query are checked now, so
    that the page shows their errors next to the fields; the run checks them again."""
    errors = {}
    problem = run_date_problem(as_of) if as_of is not None else None
    if problem:
        errors["as_of"] = [problem]
    try:
        _query_of(actor, query_id)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    options = {
        "as_of": as_of.isoformat() if as_of else None,
        "query": query_id,
        "language": get_language(),
    }
    job = job_create(actor=actor, kind=JobKind.EVALUATION, options=options)
    return job_enqueue(job, evaluation_job_task)


def job_run_id(job: Job) -> int | None:
    """The id of the run a succeeded job made."""
    return (job.result or {}).get("run") if isinstance(job.result, dict) else None
