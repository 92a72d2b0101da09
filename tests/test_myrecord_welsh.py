"""The person-held record in Welsh: the catalogue is complete for everything a person can be shown (every
template and module that renders their pages, found by rendering them), the compiled catalogue is the .po
as it stands, and the pages that draw on other apps (the release pack, the chart, their messages, the
audit trail's actions, the 404 and 403 pages) speak Welsh too."""

from __future__ import annotations

import ast
import datetime as dt
import gettext as gnu_gettext
import io
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.test import Client
from django.utils import timezone, translation

from tests.myrecord_helpers import invite_jo
from throughcare.myrecord import audit_words

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "throughcare" / "locale" / "cy" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
#: Words a Welsh page may show as they are: the service's name and the language switcher's own names.
AS_THEY_ARE = {"Throughcare", "English", "Cymraeg"}
#: Modules that mark strings for translation but never render a person's page: the staff navigation (staff
#: pages stay English, decision 0013). Every other module that marks strings must have them all in Welsh.
STAFF_ONLY_MODULES = {"core/context_processors.py"}


# --- the catalogue -----------------------------------------------------------------------------------------


def _unquote(text: str) -> str:
    return ast.literal_eval(f'"{text}"')


def read_po(path: Path) -> dict[str, str]:
    """{msgid: msgstr} for every entry of a .po file (msgctxt joined as gettext does); fuzzy ones marked."""
    entries: dict[str, str] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = _unquote(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += _unquote(line[1:-1])
        if "msgid" not in fields or fields["msgid"] == "":
            continue
        key = f"{fields['msgctxt']}\x04{fields['msgid']}" if "msgctxt" in fields else fields["msgid"]
        entries[key] = ("FUZZY:" if fuzzy else "") + fields.get("msgstr", fields.get("msgstr[0]", ""))
    return entries


def read_mo(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        catalogue = gnu_gettext.GNUTranslations(handle)._catalog
    return {key: value for key, value in catalogue.items() if isinstance(key, str) and key}


def test_the_po_is_complete_and_the_compiled_mo_is_the_po_as_it_stands(tmp_path):
    po = read_po(PO)
    assert len(po) > 400
    assert not [k for k, v in po.items() if v.startswith("FUZZY:")], "fuzzy entries: translate them and drop the flag"
    assert not [k for k, v in po.items() if not v], "entries with no Welsh"
    mo = read_mo(MO)
    stale = {k: (po.get(k), v) for k, v in mo.items() if po.get(k) != v}
    missing = sorted(set(po) - set(mo))
    assert not stale and not missing, (
        f"django.mo is out of date: run `django-admin compilemessages -l cy` in throughcare/. "
        f"Changed: {sorted(stale)[:10]}; not compiled: {missing[:10]}")
    msgfmt = shutil.which("msgfmt")
    if msgfmt:  # and the .po is one GNU gettext accepts (formats checked), compiling to the same catalogue
        out = tmp_path / "django.mo"
        subprocess.run([msgfmt, "--check-format", "-o", str(out), str(PO)], check=True)  # noqa: S603
        assert read_mo(out) == mo


def _marked_strings(path: Path) -> set[str]:
    """Every string a module marks for translation (gettext, gettext_lazy, gettext_noop, under any alias)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            names |= {alias.asname or alias.name for alias in node.names
                      if alias.name in ("gettext", "gettext_lazy", "gettext_noop", "ugettext", "pgettext")}
    found = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def _template_strings(source: str) -> set[str]:
    strings = set(re.findall(r'{% translate "([^"]+)"', source)) | set(re.findall(r"{% translate '([^']+)'", source))
    for body in re.findall(r"{% blocktranslate[^%]*%}(.*?){% endblocktranslate %}", source, re.S):
        strings.add(re.sub(r"{{ (\w+) }}", r"%(\1)s", body))
    return strings


def _untagged_text(source: str) -> list[str]:
    """Words a template shows that do not go through translation (what is left once tags, variables, markup,
    styles and scripts are taken out), and literal English in attributes people hear (aria-label, alt, title)."""
    text = re.sub(r"{% comment %}.*?{% endcomment %}|{#.*?#}", "", source, flags=re.S)
    text = re.sub(r"{% blocktranslate.*?{% endblocktranslate %}", "", text, flags=re.S)
    text = re.sub(r"{%.*?%}|{{.*?}}", "", text, flags=re.S)
    spoken = re.findall(r'(?:aria-label|alt|title|placeholder)="([^"]*)"', text)
    text = re.sub(r"<(style|script)\b.*?</\1>", "", text, flags=re.S)
    text = re.sub(r"<!--.*?-->|<[^>]+>|&[a-z#0-9]+;", " ", text, flags=re.S)
    words = re.findall(r"[A-Za-z][A-Za-z’']+", text + " " + " ".join(spoken))
    return [w for w in words if w not in AS_THEY_ARE]


@pytest.fixture
def everything_a_person_sees(world, settings, tmp_path, django_capture_on_commit_callbacks):
    """Jo's record with something on every person page: returns the templates rendered for them."""
    from tests.gate_world import days
    from throughcare.appointments.actions import book_appointment
    from throughcare.careteam.actions import add_member
    from throughcare.consent.actions import record_consent
    from throughcare.custody.actions import receive_into_custody
    from throughcare.outcomes.actions import record_outcome_review
    from throughcare.plans.actions import save_goal
    from throughcare.releases.models import ReleasePlan

    settings.NOTIFY_SENDER, settings.NOTIFY_OUTBOX = "file", str(tmp_path / "outbox.jsonl")
    jo, amara = world["jo"], world["staff"]["amara"].user
    account = invite_jo(world)
    add_member(actor=amara, person_id=jo.pk, worker="amara", lead=True)
    save_goal(actor=amara, person_id=jo.pk, expected_version=0, goal={
        "domain": "housing", "in_their_words": "A flat", "owner_agency": str(world["agencies"]["riverside"].pk)})
    book_appointment(actor=amara, person_id=jo.pk, starts_at=timezone.now() + dt.timedelta(days=2),
                     location="12 High Street")
    consent = record_consent(actor=amara, person_id=jo.pk, recipient_kind="housing", purposes=["direct_care"],
                             categories=["housing"], how_given="verbal")
    for stage, day in (("start", dt.date(2026, 1, 5)), ("review", dt.date(2026, 4, 5))):
        record_outcome_review(actor=amara, person_id=jo.pk, instrument="barc10", stage=stage, completed_on=day,
                              answers={"recovery_capital": {f"q{i}": 3 for i in range(1, 11)}})
    receive_into_custody(actor=world["staff"]["grace"].user, prison_number="A1234BC", date_of_birth=jo.date_of_birth,
                         received_on=days(-30), reception_type="sentenced", release_on=days(20))
    plan = ReleasePlan.objects.get()
    templates: set[str] = set()
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"

    def seen(response, status=200):
        assert response.status_code == status, (response.status_code, getattr(response, "url", ""))
        templates.update(t.name for t in response.templates if t.name)

    seen(visitor.get("/my/sign-in"))
    seen(visitor.post("/my/sign-in", {"identifier": "nonsense"}), 422)
    seen(visitor.get("/my/sign-in/password"))
    seen(visitor.post("/my/sign-in/password", {"identifier": "", "password": ""}), 422)
    seen(visitor.get("/my/sign-in/link/not-a-real-link"))
    seen(visitor.post("/my/sign-in/link/not-a-real-link"), 410)
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/my/sign-in", {"identifier": "07700 900982"})
    seen(visitor.get("/my/sign-in/code"))
    seen(visitor.post("/my/sign-in/code", {"code": "12"}), 422)
    seen(visitor.get("/my/no-such-page"), 404)
    staff = Client()
    staff.force_login(amara)
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    seen(staff.get("/my/"), 403)
    jo_client = Client()
    jo_client.force_login(account.user)
    jo_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    for path in ("/my/", "/my/story", "/my/people", "/my/plan", "/my/plan/goals/new", "/my/appointments",
                 "/my/how-i-am-doing", f"/my/release-pack/{plan.pk}.pdf", "/my/sharing", "/my/sharing/new",
                 f"/my/sharing/{consent.pk}/stop", "/my/who-has-looked", "/my/copy", "/my/copy.pdf",
                 "/my/correction", "/my/password"):
        seen(jo_client.get(path))
    for path in ("/my/plan/goals/new", "/my/sharing/new", "/my/correction", "/my/password"):
        seen(jo_client.post(path, {"submitted": "yes"}), 422)
    seen(jo_client.get(f"/my/appointments/{uuid.uuid4()}.ics"), 404)
    return templates


def test_every_person_facing_string_has_a_welsh_translation(everything_a_person_sees):
    """Every template rendered for a person (found by rendering every person page, the PDFs and the error pages,
    whichever app it belongs to) shows no words outside the translation machinery, and every string it and
    every module that marks strings for translation has is in the Welsh catalogue."""
    templates = everything_a_person_sees
    assert {"myrecord/base.html", "releases/pack.html", "releases/pdf_base.html", "myrecord/copy_pdf.html",
            "myrecord/not_found.html", "myrecord/not_for_you.html", "includes/error_summary.html"} <= templates
    strings: set[str] = set()
    untagged = {}
    for name in sorted(templates):
        source = Path(get_template(name).origin.name).read_text(encoding="utf-8")
        strings |= _template_strings(source)
        words = _untagged_text(source)
        if words:
            untagged[name] = words
    assert not untagged, f"put these words through {{% translate %}}: {untagged}"
    modules = [p for p in (ROOT / "throughcare").rglob("*.py") if "django.utils.translation" in p.read_text()
               and str(p.relative_to(ROOT / "throughcare")) not in STAFF_ONLY_MODULES]
    assert {"words.py", "audit_words.py", "pack.py", "signin.py", "forms.py"} <= {p.name for p in modules}
    for module in modules:
        strings |= _marked_strings(module)
    # Words from data files, shown on the person's pages: the outcome measures' names and review stages.
    from throughcare.assessments import instruments
    from throughcare.outcomes.models import Stage

    for key in ("barc10", "top"):
        strings |= {score.label for score in instruments.get(key).scores}
    strings |= {str(label) for _value, label in Stage.choices}
    assert len(strings) > 400
    catalogue = read_po(PO)
    missing = sorted(s for s in strings if not catalogue.get(s))
    assert not missing, f"add these to throughcare/locale/cy/LC_MESSAGES/django.po: {missing}"
    with translation.override("cy"):
        unchanged = sorted(s for s in strings if translation.gettext(s) == s and s not in {"Alcohol", "Naloxone"})
    assert not unchanged, f"compile the catalogue, or translate these: {unchanged}"


# --- who has looked, in plain words ----------------------------------------------------------------------------


def _documented_actions() -> list[str]:
    actions = []
    for line in (ROOT / "docs" / "audit-events.md").read_text().splitlines():
        if line.startswith("| `"):
            actions += re.findall(r"`([^`]+)`", line.split("|")[1])
    return actions


def test_every_audited_action_has_words_in_english_and_in_welsh():
    actions = _documented_actions()
    assert len(actions) > 140
    missing = sorted(a for a in actions if a not in audit_words.ACTION_WORDS)
    assert not missing, f"give these actions words in throughcare/myrecord/audit_words.py: {missing}"
    untranslated = []
    for action in actions:
        english = audit_words.ACTION_WORDS[action]
        with translation.override("cy"):
            welsh = audit_words.action_words(action)
        if welsh == english or not welsh:
            untranslated.append(action)
        assert "." not in english and "_" not in english, f"{action} should be in words, not a code: {english}"
    assert not untranslated, f"add Welsh for these actions to the catalogue: {untranslated}"


def test_who_has_looked_shows_what_they_did_in_words_never_codes(world, browser_client, api):
    from tests.gate_world import days, received
    from throughcare.releases.models import ReleasePlan

    account = invite_jo(world)
    received(api, world, release_on=days(20).isoformat())
    plan = ReleasePlan.objects.get()
    assert api("grace").get(f"/release-plans/{plan.pk}").status_code == 200
    assert api("amara").get(f"/people/{world['jo'].pk}/appointments").status_code == 200
    jo = Client()
    jo.force_login(account.user)
    page = jo.get("/my/who-has-looked").content.decode()
    assert "looked at your release plan" in page and "recorded you coming into custody" in page
    assert "started your release plan" in page
    for code in ("release_plan.read", "custody.receive", "release_plan.open", "appointment.list"):
        assert code not in page, code
    jo.get("/my/language/cy")
    page = jo.get("/my/who-has-looked").content.decode()
    assert "wedi edrych ar eich cynllun rhyddhau" in page and "wedi cofnodi eich bod wedi dod i’r ddalfa" in page


def test_an_action_done_by_no_one_is_shown_as_throughcare(world):
    from throughcare.audit.recorder import record_action

    account = invite_jo(world)
    record_action(actor=None, action="release_handover.alert", person_id=world["jo"].pk, resource="release_handover",
                  reason="day 7")
    jo = Client()
    jo.force_login(account.user)
    page = jo.get("/my/who-has-looked").content.decode()
    assert "Throughcare, automatically" in page and "noted that no one had seen you yet since your release" in page


# --- the release pack, the chart, other apps' messages and the error pages ----------------------------------


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def test_my_release_pack_in_welsh_and_the_prison_prints_either(world, api):
    from tests.gate_world import days, received
    from throughcare.releases.models import ChecklistItem, ReleasePlan

    account = invite_jo(world)
    received(api, world, release_on=days(20).isoformat())
    plan = ReleasePlan.objects.get()
    meet = ChecklistItem.objects.get(plan=plan, kind="met_at_gate")
    at = (timezone.localtime() + dt.timedelta(days=20)).replace(hour=8, minute=30, second=0, microsecond=0)
    from throughcare.releases.actions import update_item

    update_item(actor=world["staff"]["grace"].user, item_id=meet.pk,
                changes={"worker": "una", "at": at, "place": "Gate lodge, HMP Northgate"})
    jo = Client()
    jo.force_login(account.user)
    jo.get("/my/language/cy")
    text = _pdf_text(jo.get(f"/my/release-pack/{plan.pk}.pdf").content)
    with translation.override("cy"):
        from django.template.defaultfilters import date as date_filter

        day = date_filter(plan.release_on, "l j F Y")
    assert "Eich cynllun rhyddhau" in text and "Ar gyfer Jo Bloggs" in text and day in text
    assert "Ble i fod a phryd" in text and "Cyfarfod â" in text and "wrth y giât" in text and "am 08:30" in text
    assert "Os aiff pethau o chwith" in text and "ffoniwch 999 ar unwaith" in text
    for english in ("Your release plan", "Where to be and when", "If things go wrong", "call 999"):
        assert english not in text, english
    welsh = api("grace").get(f"/release-plans/{plan.pk}/pack.pdf", language="cy")
    assert welsh.status_code == 200 and "Eich cynllun rhyddhau" in _pdf_text(welsh.content)
    assert welsh["Content-Disposition"].endswith('-cy.pdf"')
    english = _pdf_text(api("grace").get(f"/release-plans/{plan.pk}/pack.pdf").content)
    assert "Your release plan" in english and "Eich cynllun" not in english
    assert api("grace").get(f"/release-plans/{plan.pk}/pack.pdf", language="fr").status_code == 422
    assert browser_page(world, "grace", f"/release-plans/{plan.pk}/pack.pdf?language=fr") == 404


def browser_page(world, username, path) -> int:
    client = Client()
    client.force_login(world["staff"][username].user)
    return client.get(path).status_code


def test_how_i_am_doing_chart_and_tables_in_welsh(world):
    import json

    from throughcare.outcomes.actions import record_outcome_review

    account = invite_jo(world)
    for stage, day, value in (("start", dt.date(2026, 1, 5), 2), ("review", dt.date(2026, 4, 5), 4)):
        record_outcome_review(actor=world["staff"]["amara"].user, person_id=world["jo"].pk, instrument="barc10",
                              stage=stage, completed_on=day,
                              answers={"recovery_capital": {f"q{i}": value for i in range(1, 11)}})
    jo = Client()
    jo.force_login(account.user)
    jo.get("/my/language/cy")
    page = jo.get("/my/how-i-am-doing").content.decode()
    spec = json.loads(re.search(r'<script id="outcome-chart-spec" type="application/json">(.*?)</script>', page,
                                re.S).group(1))
    assert {t["title"] for t in spec["spec"]["encoding"]["tooltip"]} == {"Mesur", "Dyddiad", "Pryd", "Gwerth"}
    assert {row["measure"] for row in spec["data"]["values"]} == {"Cyfalaf adferiad (cyfanswm BARC-10)"}
    assert {row["stage"] for row in spec["data"]["values"]} == {"Dechrau triniaeth", "Adolygiad (bob chwe mis)"}
    assert spec["facet"]["sort"] == ["Cyfalaf adferiad (cyfanswm BARC-10)"]
    time = spec["config"]["locale"]["time"]
    assert time["months"][0] == "Ionawr" and time["days"][0] == "Dydd Sul" and len(time["shortMonths"]) == 12
    assert "Pob mesur canlyniadau dros amser" in spec["description"]
    assert "Cyfalaf adferiad (cyfanswm BARC-10)" in page and "5 Ionawr 2026" in page and "Dechrau triniaeth" in page
    jo.get("/my/language/en-gb")
    english = json.loads(re.search(r'<script id="outcome-chart-spec" type="application/json">(.*?)</script>',
                                   jo.get("/my/how-i-am-doing").content.decode(), re.S).group(1))
    assert "locale" not in english["config"] and english["spec"]["encoding"]["tooltip"][0]["title"] == "Measure"


def test_messages_from_other_apps_reach_the_person_in_their_language(world, monkeypatch):
    """An action in another app (consent) refuses with its own English words: the person reads them in Welsh."""
    from throughcare.consent import actions as consent_actions
    from throughcare.core.errors import ValidationFailed

    account = invite_jo(world)
    jo = Client()
    jo.force_login(account.user)
    jo.get("/my/language/cy")

    def refuse(**_kwargs):
        raise ValidationFailed({"recipient_agency": "Choose an agency from the list",
                                "purposes": "Choose at least one purpose"})

    monkeypatch.setattr(consent_actions, "record_consent", refuse)
    response = jo.post("/my/sharing/new", {"recipient_agency": str(world["agencies"]["peer"].pk),
                                           "categories": ["housing"], "purposes": ["direct_care"]})
    body = response.content.decode()
    assert response.status_code == 422
    assert "Dewiswch asiantaeth o’r rhestr" in body and "Dewiswch o leiaf un rheswm" in body
    assert "Choose an agency from the list" not in body


def test_page_not_found_and_not_for_you_in_welsh(world, browser_client):
    account = invite_jo(world)
    jo = Client()
    jo.force_login(account.user)
    jo.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    for path in ("/my/no-such-page", f"/my/appointments/{uuid.uuid4()}.ics", f"/my/release-pack/{uuid.uuid4()}.pdf"):
        response = jo.get(path)
        body = response.content.decode()
        assert response.status_code == 404 and "Heb ddod o hyd i’r dudalen" in body and '<html lang="cy"' in body
    staff = browser_client("amara")
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    response = staff.get("/my/story")
    assert response.status_code == 403 and "Ni allwch wneud hynny" in response.content.decode()
    assert "Page not found" in browser_client("amara").get(f"/people/{uuid.uuid4()}/").content.decode()  # staff: English
