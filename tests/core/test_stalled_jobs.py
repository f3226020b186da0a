"""Jobs of a dead worker go back to the queue (Procrastinate itself leaves them "doing")."""

from __future__ import annotations

import pytest
from django.db import connection

from core.jobs import stalled_jobs_retry

pytestmark = pytest.mark.django_db


def _worker(seconds_ago: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat)"
            " VALUES (NOW() - make_interval(secs => %s)) RETURNING id",
            [seconds_ago],
        )
        return int(cursor.fetchone()[0])


def _running_job(worker_id: int, task: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status, worker_id)"
            " VALUES ('imports', %s, '{}', 'doing', %s) RETURNING id",
            [task, worker_id],
        )
        return int(cursor.fetchone()[0])


def _status(job_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT status FROM procrastinate_jobs WHERE id = %s", [job_id])
        return str(cursor.fetchone()[0])


def test_the_jobs_of_a_dead_worker_are_queued_again_and_a_live_workers_are_left_alone() -> None:
    # given a worker silent for five minutes and one that beat a second ago, each running a job
    dead = _running_job(_worker(300), "crm.import_records")
    alive = _running_job(_worker(1), "crm.import_records")
    # when the periodic check runs
    retried = stalled_jobs_retry()
    # then only the dead worker's job waits to run again
    assert retried == [dead]
    assert (_status(dead), _status(alive)) == ("todo", "doing")
