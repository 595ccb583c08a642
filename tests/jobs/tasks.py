"""Small tasks for the tests of the job machinery (importable by a worker process too)."""

from django_tasks import task

from kehu.jobs.services import job_run


def _count_to(job, progress):
    total = int(job.options.get("count", 3))
    for done in range(1, total + 1):
        progress(done, total, "Counting")
    if job.options.get("fail"):
        raise ValueError("asked to fail")
    return {"counted": total}


@task()
def count_task(job_id: int) -> None:
    job_run(job_id, _count_to)
