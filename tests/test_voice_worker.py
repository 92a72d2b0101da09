"""The Voice worker (voice/worker.py): analysis runs are queued by the pages and the API and done by
`throughcare voice work`, one at a time, as the analyst who asked; a failure leaves the consultation as it was
and says why; a run interrupted by a killed worker goes back in the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from tests.voice_helpers import add_analysts, example_consultation, text_of
from throughcare.audit.models import AuditEntry
from throughcare.cli import app
from throughcare.core.errors import ValidationFailed
from throughcare.voice import actions, theme_actions, worker
from throughcare.voice.models import AnalysisRun, Theme


@pytest.fixture
def analysts(world):
    return add_analysts(world)


@pytest.fixture
def hub(world, analysts):
    return example_consultation(analysts["nadia"].user, open_it=True)


def test_runs_are_queued_once_and_done_in_order_as_the_analyst_who_asked(hub, analysts):
    nadia = analysts["nadia"].user
    second = example_consultation(nadia)
    first_run = worker.request_analysis(actor=nadia, consultation_id=hub.pk)
    assert worker.request_analysis(actor=nadia, consultation_id=hub.pk).pk == first_run.pk  # not queued twice
    second_run = worker.request_analysis(actor=nadia, consultation_id=second.pk)
    assert [first_run.status, second_run.status] == ["queued", "queued"]
    assert AuditEntry.objects.filter(action="voice_analysis.request").count() == 2
    done = worker.work_once()
    assert done.pk == first_run.pk and done.status == "done" and done.started_at and done.finished_at
    assert done.counts["responses"] == 2 and Theme.objects.filter(consultation=hub).exists()
    assert not Theme.objects.filter(consultation=second).exists()  # its turn next
    assert worker.work_once().pk == second_run.pk
    assert worker.work_once() is None
    run_entries = AuditEntry.objects.filter(action="voice_analysis.run").order_by("seq")
    assert [e.resource_id for e in run_entries] == [str(hub.pk), str(second.pk)]
    assert {e.username for e in run_entries} == {"nadia"}


def test_a_failed_run_changes_nothing_and_says_why(hub, analysts, monkeypatch, browser_client):
    nadia = analysts["nadia"].user

    def broken(*_args, **_kwargs):
        raise RuntimeError("the model file is unreadable")

    monkeypatch.setattr(theme_actions, "_propose", broken)
    worker.request_analysis(actor=nadia, consultation_id=hub.pk)
    run = worker.work_once()
    assert run.status == "failed" and "RuntimeError: the model file is unreadable" in run.message
    assert not Theme.objects.filter(consultation=hub).exists()
    assert not hub.campaigns.exists() and AnalysisRun.objects.count() == 1
    assert AuditEntry.objects.filter(action="voice_analysis.fail", resource_id=str(hub.pk)).exists()
    page = text_of(browser_client("nadia").get(f"/consultations/{hub.pk}/themes"))
    assert "Last run: failed" in page and "the model file is unreadable" in page
    monkeypatch.undo()
    worker.request_analysis(actor=nadia, consultation_id=hub.pk)  # asking again works once the cause is fixed
    assert worker.work_once().status == "done"


def test_a_run_whose_analyst_lost_the_permission_fails_and_does_nothing(world, analysts, browser_client):
    from throughcare.voice.models import AnalystGrant

    amara_staff = world["staff"]["amara"]
    AnalystGrant.objects.create(staff=amara_staff, granted_at=timezone.now())
    amara_staff.user.refresh_from_db()
    consultation = example_consultation(amara_staff.user)
    worker.request_analysis(actor=amara_staff.user, consultation_id=consultation.pk)
    AnalystGrant.objects.filter(staff=amara_staff).delete()
    run = worker.work_once()
    assert run.status == "failed" and run.message == "Consultation not found"
    assert not Theme.objects.filter(consultation=consultation).exists()


def test_nothing_to_analyse_is_refused_naming_the_field(analysts):
    empty = actions.create_consultation(actor=analysts["nadia"].user, title="No answers yet")
    with pytest.raises(ValidationFailed) as refused:
        worker.request_analysis(actor=analysts["nadia"].user, consultation_id=empty.pk)
    assert refused.value.fields == {"analysis": "There are no responses to analyse yet"}
    assert not AnalysisRun.objects.exists()


def test_a_run_left_running_by_a_killed_worker_goes_back_in_the_queue(hub, analysts, settings):
    run = worker.request_analysis(actor=analysts["nadia"].user, consultation_id=hub.pk)
    AnalysisRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now() - timedelta(hours=2))
    recent = worker.request_analysis(actor=analysts["nadia"].user, consultation_id=hub.pk)
    assert recent.pk == run.pk  # still "running": not queued again
    settings.THROUGHCARE_VOICE_RUN_TIMEOUT = 3 * 3600
    assert worker.requeue_stale() == 0  # not yet older than the timeout
    settings.THROUGHCARE_VOICE_RUN_TIMEOUT = 3600
    assert worker.requeue_stale() == 1
    assert worker.work_until_idle() == 1
    assert AnalysisRun.objects.get(pk=run.pk).status == "done"


def test_the_worker_command_does_the_queued_runs(hub, analysts):
    worker.request_analysis(actor=analysts["nadia"].user, consultation_id=hub.pk)
    result = CliRunner().invoke(app, ["voice", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 analysis run(s) done" in result.output
    assert AnalysisRun.objects.get().status == "done"
