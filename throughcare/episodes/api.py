from __future__ import annotations

import datetime as dt
import uuid

from ninja import Router, Schema, Status
from pydantic import ConfigDict

from throughcare.episodes.actions import end_episode, start_episode
from throughcare.people.access import get_person
from throughcare.people.schemas import EpisodeOut
from throughcare.people.summary import coded, visible_episodes

router = Router(tags=["episodes"])


class EpisodeStartIn(Schema):
    model_config = ConfigDict(extra="forbid")
    setting: str
    service: str
    started_on: dt.date


class EpisodeEndIn(Schema):
    model_config = ConfigDict(extra="forbid")
    ended_on: dt.date
    discharge_reason: str


def _out(episode) -> dict:
    return {"id": episode.id, "agency": episode.agency, "setting": episode.setting, "service": episode.service,
            "started_on": episode.started_on, "ended_on": episode.ended_on,
            "discharge_reason": coded("discharge_reasons", episode.discharge_reason)}


@router.get("/people/{person_id}/episodes", response=list[EpisodeOut], summary="Episodes of care you may see")
def list_episodes(request, person_id: str):
    person, grant = get_person(request.user, person_id, action="episode.list")
    return [_out(e) for e in visible_episodes(person, grant)]


@router.post("/people/{person_id}/episodes", response={201: EpisodeOut}, summary="Start an episode at your agency")
def create_episode(request, person_id: str, payload: EpisodeStartIn):
    episode = start_episode(actor=request.user, person_id=person_id, setting=payload.setting,
                            service=payload.service, started_on=payload.started_on)
    return Status(201, _out(episode))


@router.post("/episodes/{episode_id}/end", response=EpisodeOut, summary="End (discharge) an episode")
def finish_episode(request, episode_id: uuid.UUID, payload: EpisodeEndIn):
    episode = end_episode(actor=request.user, episode_id=episode_id, ended_on=payload.ended_on,
                          discharge_reason=payload.discharge_reason)
    return _out(episode)
