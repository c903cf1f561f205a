"""The job engine (crm/jobs/): enqueue and run, retries of database blips, job ids in the logs, the periodic
scheduler (once per slot, however many workers), heartbeats and the sweep of jobs whose worker died."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from crm import logcontext
from crm.jobs import schedule as schedule_module
from crm.jobs.models import PeriodicRun, WorkerHeartbeat
from crm.jobs.schedule import Schedule, enqueue_due, periodic
from crm.jobs.tasks import WORKER_LOST_AFTER, mark_stale
from crm.jobs.worker import Worker

from . import sample_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_calls():
    sample_jobs.CALLS.clear()
    yield
    sample_jobs.CALLS.clear()


def result_row(result) -> DBTaskResult:
    return DBTaskResult.objects.get(pk=result.id)


def test_a_job_is_a_database_row_until_a_worker_runs_it(run_jobs):
    result = sample_jobs.add.enqueue(2, 3)
    assert result_row(result).status == TaskResultStatus.READY
    assert sample_jobs.CALLS == []

    assert run_jobs() == 1

    row = result_row(result)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == 5
    assert row.finished_at is not None


def test_run_jobs_runs_one_queue_only_when_asked(run_jobs):
    default = sample_jobs.add.enqueue(1, 1)
    imports = sample_jobs.long_one.enqueue()

    run_jobs(queue="imports")

    assert result_row(imports).status == TaskResultStatus.SUCCESSFUL
    assert result_row(default).status == TaskResultStatus.READY


def test_a_job_knows_its_id_while_it_runs_and_its_log_lines_carry_it(run_jobs, caplog):
    result = sample_jobs.add.enqueue(1, 2)
    caplog.handler.addFilter(logcontext.ContextFilter())
    with caplog.at_level("WARNING", logger="crm.jobs.sample"):
        run_jobs()

    assert [{"job": "add", "job_id": str(result.id)}] == sample_jobs.CALLS
    [record] = [r for r in caplog.records if r.name == "crm.jobs.sample"]
    assert record.job_id == str(result.id)
    assert logcontext.job_id.get() == ""  # cleared when the job finished


def test_a_failing_job_is_recorded_failed_with_its_error(run_jobs):
    result = sample_jobs.broken.enqueue()
    run_jobs()
    row = result_row(result)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "builtins.ValueError"
    assert "a bug, not a blip" in row.traceback
    assert len(sample_jobs.CALLS) == 1  # a bug is not retried


@pytest.mark.django_db(transaction=True)
def test_a_database_blip_is_retried_with_backoff_then_succeeds():
    assert sample_jobs.flaky.func(2) == "done"
    assert len(sample_jobs.CALLS) == 3


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_longer_than_the_backoff_fails_the_job_with_the_error():
    with pytest.raises(OperationalError):
        sample_jobs.flaky.func(10)
    assert len(sample_jobs.CALLS) == 4  # the first try and one per wait


def test_inside_a_transaction_a_blip_is_not_retried():
    """A retry inside the caller's transaction would run on a broken transaction: the error goes up at once."""
    with pytest.raises(OperationalError):
        sample_jobs.flaky.func(1)
    assert len(sample_jobs.CALLS) == 1


# --- the periodic scheduler ---


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_slots_are_cut_from_the_period_and_offset():
    nightly = Schedule("nightly", sample_jobs.add, timedelta(days=1), timedelta(hours=2))
    assert nightly.slot(at("2026-12-04T15:00:00")) == at("2026-12-04T02:00:00")
    assert nightly.slot(at("2026-12-04T01:59:59")) == at("2026-12-03T02:00:00")
    minutely = Schedule("minutely", sample_jobs.add, timedelta(minutes=1), timedelta(0))
    assert minutely.slot(at("2026-12-04T15:00:42")) == at("2026-12-04T15:00:00")


def test_periodic_refuses_a_nonsense_schedule():
    with pytest.raises(ValueError):
        periodic(every=timedelta(0))
    with pytest.raises(ValueError):
        periodic(every=timedelta(hours=1), offset=timedelta(hours=1))


@pytest.fixture
def only_schedule(monkeypatch):
    schedules = {}
    monkeypatch.setattr(schedule_module, "SCHEDULES", schedules)
    return schedules


def test_each_slot_is_enqueued_once_however_many_workers_ask(only_schedule):
    only_schedule["sum"] = Schedule("sum", sample_jobs.long_one, timedelta(minutes=5), timedelta(0))

    assert enqueue_due(at("2026-12-04T10:01:00")) == ["sum"]
    assert enqueue_due(at("2026-12-04T10:01:10")) == []  # a second worker, same slot
    assert enqueue_due(at("2026-12-04T10:04:59")) == []
    assert enqueue_due(at("2026-12-04T10:05:00")) == ["sum"]  # the next slot

    runs = list(PeriodicRun.objects.order_by("slot"))
    assert [r.slot for r in runs] == [at("2026-12-04T10:00:00"), at("2026-12-04T10:05:00")]
    queued = DBTaskResult.objects.filter(task_path="tests.jobs.sample_jobs.long_one")
    assert sorted(str(pk) for pk in queued.values_list("pk", flat=True)) == sorted(r.result_id for r in runs)


def test_a_slot_missed_by_more_than_an_hour_is_not_caught_up(only_schedule):
    only_schedule["nightly"] = Schedule("nightly", sample_jobs.long_one, timedelta(days=1), timedelta(hours=2))
    assert enqueue_due(at("2026-12-04T15:00:00")) == []  # 13 hours late: wait for tomorrow's
    assert enqueue_due(at("2026-12-04T02:40:00")) == ["nightly"]  # a worker restarted at 02:40 still runs it


def test_the_engine_and_the_apps_register_their_periodic_jobs():
    assert {"mark_stale_jobs", "prune_job_records", "retrain_lead_scores"} <= set(schedule_module.SCHEDULES)


# --- heartbeats and stale jobs ---


def running_job(*, worker: str, started: datetime) -> DBTaskResult:
    result = sample_jobs.add.enqueue(1, 1)
    row = result_row(result)
    row.status = TaskResultStatus.RUNNING
    row.worker_ids = [worker]
    row.started_at = started
    row.save()
    return row


def make_worker(**overrides) -> Worker:
    options = {
        "queue_names": ["*"],
        "interval": 0,
        "batch": True,
        "backend_name": "default",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "w-test",
        "excluded_queue_names": [],
    }
    return Worker(**{**options, **overrides})


def test_a_running_job_whose_worker_stopped_beating_is_marked_failed():
    now = datetime.now(UTC)
    WorkerHeartbeat.objects.create(
        worker_id="alive", hostname="h", pid=1, queues="*", started_at=now, seen_at=now - timedelta(seconds=5)
    )
    WorkerHeartbeat.objects.create(
        worker_id="dead", hostname="h", pid=2, queues="*", started_at=now, seen_at=now - WORKER_LOST_AFTER * 2
    )
    long_ago = now - timedelta(minutes=10)
    on_alive = running_job(worker="alive", started=long_ago)
    on_dead = running_job(worker="dead", started=long_ago)
    on_unknown = running_job(worker="never-seen", started=long_ago)
    just_started = running_job(worker="new", started=now - timedelta(seconds=3))

    assert mark_stale(now) == 2

    statuses = {row.pk: result_row(row).status for row in (on_alive, on_dead, on_unknown, just_started)}
    assert statuses == {
        on_alive.pk: TaskResultStatus.RUNNING,
        on_dead.pk: TaskResultStatus.FAILED,
        on_unknown.pk: TaskResultStatus.FAILED,
        just_started.pk: TaskResultStatus.RUNNING,
    }
    assert result_row(on_dead).exception_class_path == "crm.jobs.tasks.WorkerLost"
    assert mark_stale(now) == 0


def test_a_worker_tick_writes_its_heartbeat_and_enqueues_what_is_due(only_schedule):
    only_schedule["sum"] = Schedule("sum", sample_jobs.long_one, timedelta(minutes=5), timedelta(0))
    worker = make_worker(batch=False)
    worker.tick(own_connection=False)
    beat = WorkerHeartbeat.objects.get(worker_id="w-test")
    assert beat.queues == "*"
    assert PeriodicRun.objects.filter(name="sum").count() == 1


def test_a_worker_removes_its_heartbeat_when_it_stops(worker_in_test_transaction):
    sample_jobs.add.enqueue(1, 1)
    worker = make_worker(schedule=False)
    worker.run()  # batch mode: runs what is queued, then stops
    assert not WorkerHeartbeat.objects.filter(worker_id="w-test").exists()
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


def test_run_jobs_periodic_enqueues_the_due_jobs_first(only_schedule, worker_in_test_transaction):
    only_schedule["sum"] = Schedule("sum", sample_jobs.long_one, timedelta(minutes=5), timedelta(0))
    call_command("run_jobs", periodic=True, verbosity=0)
    row = DBTaskResult.objects.get(task_path="tests.jobs.sample_jobs.long_one")
    assert row.status == TaskResultStatus.SUCCESSFUL
