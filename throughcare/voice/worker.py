"""The Voice worker: analysis runs happen here, not in a web request.

An analysis reads every response, embeds it and clusters it: seconds for a small consultation, minutes for ten
thousand responses, far longer than a web request should wait. So "Run the analysis" (page and API) only queues a
run (`request_analysis`); `throughcare voice work` claims queued runs one at a time, oldest first, and does each
as the analyst who asked for it (their permission is checked again when it starts). `throughcare serve` starts
one in a thread for the development server; production runs it as its own service (docs/operations.md).

Claiming is a short transaction of its own (with SKIP LOCKED on PostgreSQL, so several workers never take the same
run); the analysis is another, so a worker that dies mid-run leaves nothing half-done: its run stays "running"
until `requeue_stale` (at every worker's start, for runs older than THROUGHCARE_VOICE_RUN_TIMEOUT seconds)
puts it back in the queue.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from throughcare.audit.recorder import record_action
from throughcare.core.errors import ThroughcareError, ValidationFailed
from throughcare.voice.models import AnalysisRun, RunStatus
from throughcare.voice.permissions import get_consultation

log = logging.getLogger("throughcare.voice")
PENDING = (RunStatus.QUEUED, RunStatus.RUNNING)


def request_analysis(*, actor, consultation_id) -> AnalysisRun:
    """Queue a run of the analysis of the consultation (one at a time: a run already queued or running is
    returned as it is)."""
    from throughcare.voice.theme_actions import NOTHING_TO_ANALYSE

    with transaction.atomic():
        consultation = get_consultation(actor, consultation_id, for_update=True)
        if not consultation.respondents.exists():
            raise ValidationFailed({"analysis": NOTHING_TO_ANALYSE})
        pending = consultation.runs.filter(status__in=PENDING).first()
        if pending is not None:
            return pending
        run = AnalysisRun.objects.create(consultation=consultation, started_by=actor, status=RunStatus.QUEUED)
        record_action(actor=actor, action="voice_analysis.request", resource="consultation",
                      resource_id=consultation.pk, reason=f"run {run.pk}")
        return run


def _claim() -> AnalysisRun | None:
    with transaction.atomic():
        queue = AnalysisRun.objects.filter(status=RunStatus.QUEUED).order_by("requested_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            queue = queue.select_for_update(skip_locked=True, of=("self",))
        run = queue.select_related("started_by").first()
        if run is None:
            return None
        run.status, run.started_at = RunStatus.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
        return run


def work_once() -> AnalysisRun | None:
    """Claim the oldest queued run and do it; None when the queue is empty."""
    from throughcare.voice.theme_actions import finish_run, run_analysis

    run = _claim()
    if run is None:
        return None
    try:
        run_analysis(actor=run.started_by, consultation_id=run.consultation_id, run=run)
    except ThroughcareError as refused:  # e.g. the analyst lost the permission, or every response was removed
        message = "; ".join(getattr(refused, "fields", {}).values()) or str(refused)
        if run.status != RunStatus.FAILED:
            finish_run(run, RunStatus.FAILED, message=message[:500])
    run.refresh_from_db()
    return run


def work_until_idle() -> int:
    """Do every queued run; how many were done (tests and `voice work --once`)."""
    done = 0
    while work_once() is not None:
        done += 1
    return done


def requeue_stale(timeout: float | None = None) -> int:
    """Put back in the queue the runs left "running" by a worker that stopped (its transaction rolled back)."""
    seconds = timeout if timeout is not None else settings.THROUGHCARE_VOICE_RUN_TIMEOUT
    cutoff = timezone.now() - timedelta(seconds=seconds)
    return AnalysisRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=cutoff).update(
        status=RunStatus.QUEUED, started_at=None)


def work_forever(*, poll: float = 2.0, stop: threading.Event | None = None) -> None:
    """The worker's loop: do queued runs, wait `poll` seconds when there are none, until `stop` is set."""
    stop = stop or threading.Event()
    requeued = requeue_stale()
    if requeued:
        log.warning("put %d interrupted analysis run(s) back in the queue", requeued)
    while not stop.is_set():
        close_old_connections()
        try:
            did = work_once()
        except Exception:  # noqa: BLE001 - one bad run (already recorded as failed) must not stop the worker
            log.exception("the Voice worker's run failed")
            did = None
        if did is None:
            stop.wait(poll)


def start_in_thread(*, poll: float = 2.0) -> threading.Thread:
    """A worker in a daemon thread of this process (the development server: `throughcare serve`)."""
    thread = threading.Thread(target=work_forever, kwargs={"poll": poll}, name="voice-worker", daemon=True)
    thread.start()
    return thread
