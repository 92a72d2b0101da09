"""The register's blocking keys: how one new record finds its few candidates among a million.

Every person has a MatchProfile (what the matcher compares) and a handful of MatchKeys. A new record's
own keys (plus its day-and-month-swapped birth date and swapped names) are looked up through the index on
MatchKey.key; the people found are scored in Python (`scoring.Scorer`). The people actions call
`index_person` inside their transaction, so the keys never drift from the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import transaction

from throughcare.matching import records
from throughcare.matching.models import MatchKey, MatchProfile
from throughcare.people.models import Identifier, Person, PersonName

#: At most this many candidates are scored for one new record (the most common name on the commonest
#: birthday stays far below it; see docs/benchmarks.md).
CANDIDATE_LIMIT = 2000
_KEY_LENGTH = 120
_SCHEME_COLUMN = {"nhs": "nhs_number", "prison": "prison_number", "probation": "probation_reference"}


def _first(value: str | None) -> str:
    return (value or "").split(" ")[0]


def profile_of(person: Person, names: Iterable[PersonName] | None = None,
               identifiers: Iterable[Identifier] | None = None) -> dict:
    names = list(person.names.all()) if names is None else list(names)
    identifiers = list(person.identifiers.all()) if identifiers is None else list(identifiers)
    data = {
        "names": [[n.folded_given or None, n.folded_family or None] for n in names],
        "dob": records.dob(person.date_of_birth), "sex": records.sex(person.sex),
        "postcode": records.postcode(person.postcode),
    }
    for identifier in identifiers:
        column = _SCHEME_COLUMN.get(identifier.scheme)
        if column and column not in data:
            data[column] = records.identifier(identifier.value)
    return data


def variants(data: dict, record_id: str = "") -> list[dict]:
    """One record per name the person is known by (usual, aliases, previous names)."""
    base = {column: data.get(column) for column in ("dob", "sex", "postcode", "nhs_number", "prison_number",
                                                   "probation_reference")}
    names = data.get("names") or [[None, None]]
    return [{"record_id": record_id, "given_name": given, "surname": surname, "address": None, "town": None,
             **base} for given, surname in names]


def keys_of(record_variants: list[dict], *, query: bool = False) -> set[str]:
    """Blocking keys. `query`: also the keys a typing slip in the new record would have missed."""
    keys: set[str] = set()
    for record in record_variants:
        dob, given, surname = record.get("dob"), record.get("given_name"), record.get("surname")
        year = (dob or "")[:4]
        if dob:
            keys.add(f"d:{dob}")
            if query and len(dob) == 10:
                keys.add(f"d:{dob[:4]}-{dob[8:10]}-{dob[5:7]}")
        if given and surname:
            keys.add(f"n:{surname}|{_first(given)}")
            if query:
                keys.add(f"n:{given}|{_first(surname)}")
        if surname and year:
            keys.add(f"s:{surname}|{year}")
        if given and dob:
            keys.add(f"g:{_first(given)}|{dob[:7]}")
        if record.get("postcode"):
            keys.add(f"p:{record['postcode']}")
        for column in ("nhs_number", "prison_number", "probation_reference"):
            if record.get(column):
                keys.add(f"i:{column}:{record[column]}")
    return {key[:_KEY_LENGTH] for key in keys}


def index_person(person: Person) -> None:
    """Bring one person's profile and keys up to date (inside the caller's transaction)."""
    data = profile_of(person)
    MatchProfile.objects.update_or_create(person=person, defaults={"data": data})
    wanted = keys_of(variants(data))
    held = set(MatchKey.objects.filter(person=person).values_list("key", flat=True))
    if held - wanted:
        MatchKey.objects.filter(person=person, key__in=held - wanted).delete()
    MatchKey.objects.bulk_create([MatchKey(person=person, key=key) for key in sorted(wanted - held)])


def forget_person(person_id) -> None:
    """A merged record is no longer a candidate for anyone."""
    MatchKey.objects.filter(person_id=person_id).delete()
    MatchProfile.objects.filter(person_id=person_id).delete()


def candidates(record: dict, *, limit: int = CANDIDATE_LIMIT) -> list[tuple[str, dict]]:
    """(person id, profile) of the people sharing a blocking key with `record`: one indexed query."""
    keys = sorted(keys_of([record], query=True))
    if not keys:
        return []
    ids = MatchKey.objects.filter(key__in=keys).values("person_id")
    rows = MatchProfile.objects.filter(person_id__in=ids).values_list("person_id", "data")[:limit]
    return [(str(person_id), data) for person_id, data in rows]


def _batches(batch_size: int) -> Iterator[list[Person]]:
    last = None
    while True:
        query = Person.objects.order_by("pk")
        if last is not None:
            query = query.filter(pk__gt=last)
        batch = list(query.only("pk", "date_of_birth", "sex", "postcode")[:batch_size])
        if not batch:
            return
        last = batch[-1].pk
        yield batch


def rebuild(*, batch_size: int = 5000, progress=None) -> int:
    """Rebuild every profile and key from the register (after a bulk load; safe to run at any time).

    People merged into another record are left out: they are nobody's candidate.
    """
    from throughcare.matching.merges import merged_away_ids

    count = 0
    for batch in _batches(batch_size):
        ids = [p.pk for p in batch]
        retired = merged_away_ids(ids)
        names: dict = {}
        for name in PersonName.objects.filter(person_id__in=ids).order_by("kind", "id"):
            names.setdefault(name.person_id, []).append(name)
        held: dict = {}
        for identifier in Identifier.objects.filter(person_id__in=ids):
            held.setdefault(identifier.person_id, []).append(identifier)
        profiles, keys = [], []
        for person in batch:
            if person.pk in retired:
                continue
            data = profile_of(person, names.get(person.pk, []), held.get(person.pk, []))
            profiles.append(MatchProfile(person_id=person.pk, data=data))
            keys.extend(MatchKey(person_id=person.pk, key=key) for key in sorted(keys_of(variants(data))))
        with transaction.atomic():
            MatchKey.objects.filter(person_id__in=ids).delete()
            MatchProfile.objects.filter(person_id__in=ids).delete()
            MatchProfile.objects.bulk_create(profiles, batch_size=batch_size)
            MatchKey.objects.bulk_create(keys, batch_size=batch_size)
        count += len(profiles)
        if progress:
            progress(len(batch))
    return count


def register_records(*, batch_size: int = 5000) -> Iterator[dict]:
    """The whole register as matcher records (usual name only), for training and the matching job."""
    from throughcare.matching.merges import merged_away_ids

    for batch in _batches(batch_size):
        ids = [p.pk for p in batch]
        retired = merged_away_ids(ids)
        usual = {n.person_id: n for n in PersonName.objects.filter(person_id__in=ids, kind="usual")}
        held: dict = {}
        for identifier in Identifier.objects.filter(person_id__in=ids):
            held.setdefault(identifier.person_id, []).append(identifier)
        for person in batch:
            if person.pk in retired:
                continue
            name = usual.get(person.pk)
            data = profile_of(person, [name] if name else [], held.get(person.pk, []))
            yield variants(data, str(person.pk))[0]
