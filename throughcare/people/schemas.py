from __future__ import annotations

import datetime as dt
import uuid

from ninja import Schema
from pydantic import ConfigDict, Field


class OtherNameIn(Schema):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(description="alias or previous")
    given_names: str = ""
    family_name: str = ""


class PersonIn(Schema):
    model_config = ConfigDict(extra="forbid")
    given_names: str = Field(max_length=120)
    family_name: str = Field(max_length=120)
    date_of_birth: dt.date
    other_names: list[OtherNameIn] = []
    sex: str = "not_stated"
    gender: str = Field("", max_length=60)
    ethnicity: str = Field("", description="An id from refdata/ethnicity.yaml")
    postcode: str = ""
    preferred_language: str = Field("English", max_length=60)
    interpreter_needed: bool = False
    disabilities: list[str] = Field([], description="Ids from refdata/disabilities.yaml")
    learning_disability: bool = False
    phone: str = Field("", max_length=30)
    email: str = ""
    safe_to_contact: dict[str, bool] = Field({}, description="phone, text, voicemail, letter, email")
    safe_to_contact_note: str = Field("", max_length=300)
    nhs_number: str = ""
    prison_number: str = ""
    probation_reference: str = ""
    pnc_id: str = ""
    confirm_no_match: bool = Field(False, description="Register even though POST /people/candidates found possible "
                                                      "matches (without it such a request is answered 409)")


class NameOut(Schema):
    kind: str
    given_names: str
    family_name: str


class IdentifierOut(Schema):
    scheme: str
    value: str


class AgencyRef(Schema):
    id: uuid.UUID
    name: str
    kind: str


class CodedValue(Schema):
    id: str
    code: str
    label: str


class EpisodeOut(Schema):
    id: uuid.UUID
    agency: AgencyRef
    setting: str
    service: str
    started_on: dt.date
    ended_on: dt.date | None
    discharge_reason: CodedValue | None


class PersonSummaryOut(Schema):
    id: uuid.UUID
    display_name: str
    date_of_birth: dt.date
    postcode: str


class PersonOut(Schema):
    id: uuid.UUID
    display_name: str
    names: list[NameOut]
    date_of_birth: dt.date
    sex: str
    gender: str
    ethnicity: CodedValue | None
    postcode: str
    preferred_language: str
    interpreter_needed: bool
    disabilities: list[CodedValue]
    learning_disability: bool
    phone: str
    email: str
    safe_to_contact: dict[str, bool]
    safe_to_contact_note: str
    identifiers: list[IdentifierOut]
    registered_by_agency: AgencyRef
    registered_at: dt.datetime
    episodes: list[EpisodeOut]
    version: int


class PersonPage(Schema):
    items: list[PersonSummaryOut]
    total: int
    page: int
    page_size: int


class PersonUpdateIn(Schema):
    """Only the fields sent are changed. Anything else (who registered the person, their id) is refused."""

    model_config = ConfigDict(extra="forbid")
    given_names: str | None = Field(None, max_length=120)
    family_name: str | None = Field(None, max_length=120)
    date_of_birth: dt.date | None = None
    sex: str | None = None
    gender: str | None = Field(None, max_length=60)
    ethnicity: str | None = None
    postcode: str | None = None
    preferred_language: str | None = Field(None, max_length=60)
    interpreter_needed: bool | None = None
    disabilities: list[str] | None = None
    learning_disability: bool | None = None
    phone: str | None = Field(None, max_length=30)
    email: str | None = None
    safe_to_contact: dict[str, bool] | None = None
    safe_to_contact_note: str | None = Field(None, max_length=300)
