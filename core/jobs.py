"""Jobs that keep the job queue itself healthy."""

from __future__ import annotations

import logging

from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)

# A worker beats every few seconds; one silent this long is dead (killed, machine lost).
STALLED_AFTER_SECONDS = 60

# Procrastinate's own query for running jobs of workers without a recent heartbeat.
STALLED_JOBS = """
SELECT job.id, job.task_name
  FROM procrastinate_jobs job
  LEFT JOIN procrastinate_workers worker ON worker.id = job.worker_id
 WHERE job.status = 'doing'
   AND (job.worker_id IS NULL OR worker.last_heartbeat < NOW() - make_interval(secs => %s))
"""


def stalled_jobs_retry(*, seconds_since_heartbeat: int = STALLED_AFTER_SECONDS) -> list[int]:
    """Put the jobs of dead workers back in the queue (Procrastinate leaves them "doing").
    Every ParkSuite job may run again: imports skip what they already wrote, provisioning
    resumes, postings carry idempotency keys."""
    with connection.cursor() as cursor:
        cursor.execute(STALLED_JOBS, [seconds_since_heartbeat])
        stalled = cursor.fetchall()
    retried = []
    for job_id, task_name in stalled:
        try:
            app.job_manager.retry_job_by_id(job_id, retry_at=timezone.now())
        except Exception:
            # e.g. a fresh job with the same queueing lock is already waiting: that one will do.
            logger.warning("stalled job %s (%s) not retried", job_id, task_name, exc_info=True)
            continue
        logger.warning("retried stalled job %s (%s) of a dead worker", job_id, task_name)
        retried.append(job_id)
    return retried


@app.periodic(cron="*/2 * * * *")
@app.task(queue="default", name="core.retry_stalled_jobs", queueing_lock="retry_stalled_jobs")
def retry_stalled_jobs(timestamp: int) -> None:
    """Every two minutes: jobs whose worker died go back to the queue."""
    stalled_jobs_retry()
