"""Durability under crashes: kill -9 the application workers and the PostgreSQL server mid-stream.

    .venv/bin/python benchmarks/crash.py --cycles 50     # bench mode (`make crash`)
    tests/test_durability.py runs 5 cycles in CI

Method:
1. A private PostgreSQL cluster (initdb in a temporary folder, a free port on 127.0.0.1, fsync on,
   synchronous_commit on): the shared server is never killed.
2. `throughcare migrate`, an agency, a key worker with an API token and people, then gunicorn as production
   runs it (`throughcare serve --workers 2`: two gthread workers of four threads, balanced, `--preload`).
3. Client threads write through the API, as a real client would: referrals with an Idempotency-Key
   (retried with the same key until acknowledged, however the attempt failed); holistic assessments, each
   started with an Idempotency-Key, its answers saved with If-Match and submitted with an Idempotency-Key
   (each step retried until acknowledged; each client assesses its own person, as one draft per person and
   agency is allowed); and notes, each with an Idempotency-Key (retried with the same key until acknowledged,
   like referrals).
4. Each cycle: writes flow, then a gunicorn worker is killed (-9, the master starts another) and, on
   alternate cycles, the PostgreSQL postmaster is killed (-9) and restarted; writes keep flowing.
5. At the end, with everything restarted: every acknowledged referral, submitted assessment and note is
   present exactly once; no referral, note or assessment exists that no key explains (and no two notes say the
   same: each key's note has its own text), and each assessment is
   explained by exactly one start key (and, once submitted, one submit key): retries made no duplicates;
   every referral and note has its audit entry, every assessment exactly one assessment.start entry and one
   "started" journey event, and every submitted one exactly one assessment.submit entry and one
   "submitted" event; and `throughcare audit verify` passes on the chain.

Prints a JSON summary; exits 1 on any loss or duplicate.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from throughcare.core.serving import WORKER_CLASS  # `throughcare serve`'s worker

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
LOOPBACK = "127.0.0.1"
#: Seconds a client keeps retrying one referral before it gives the key up.
ABANDON_AFTER = 5.0
PG_BIN_CANDIDATES = [Path(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]


class CrashError(RuntimeError):
    pass


def pg_bin() -> Path | None:
    for candidate in PG_BIN_CANDIDATES:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(f"[crash {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Cluster:
    """A private PostgreSQL cluster. initdb refuses root, so as root it runs as the postgres user."""

    def __init__(self, workdir: Path):
        self.bin = pg_bin()
        if self.bin is None:
            raise CrashError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.data = workdir / "pgdata"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise CrashError("running as root needs a 'postgres' user for initdb") from exc
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(workdir, "postgres")
            workdir.chmod(0o700)

    def _run(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run([*self.as_user, *args], capture_output=True, text=True, timeout=timeout)  # noqa: S603
        if result.returncode != 0:
            raise CrashError(f"{args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '{LOOPBACK}'\nunix_socket_directories = ''\n"
                       "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\nmax_connections = 50\n")

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "server.log"), "-w",
                  "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (CrashError, subprocess.TimeoutExpired):
            pass

    def kill(self) -> None:
        """kill -9 the postmaster: what a power cut looks like to PostgreSQL (WAL recovery on start)."""
        pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{LOOPBACK}:{self.port}/throughcare"


def call(port: int, method: str, path: str, headers: dict, body: dict | None = None, timeout: float = 10):
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json", **headers})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Ledger:
    """What the client saw acknowledged."""

    referrals: dict[str, str] = field(default_factory=dict)  # idempotency key -> referral id
    notes: dict[str, str] = field(default_factory=dict)  # idempotency key -> note (event) id
    assessments: dict[str, str] = field(default_factory=dict)  # submit key -> assessment id (acknowledged)
    assessment_starts: dict[str, str] = field(default_factory=dict)  # start key -> draft id (acknowledged)
    attempts: int = 0
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


#: Answers to every required question of the holistic assessment (what a submit needs).
ANSWERS = {
    "drugs": {"drugs_used": ["heroin"], "main_problem": "heroin", "main_problem_days": 20, "routes": ["smoking"],
              "ever_injected": False, "overdose_past_year": False, "has_naloxone": True,
              "substitute_prescription": "methadone", "over_the_counter": ["none"]},
    "alcohol": {"drinks": False},
    "mental_health": {"concerns": ["anxiety"], "suicidal_thoughts": False, "mental_health_service": False,
                      "dual_diagnosis": False, "learning_disability": "no"},
    "trauma": {"trauma_experience": "prefer_not"},
    "physical_health": {"has_gp": True, "rating": 12, "conditions": ["none"]},
    "housing": {"living_situation": "own_tenancy", "acute_problem": False, "wants_housing_help": False},
    "work": {"status": "looking", "paid_work_days": 0, "education_days": 0, "wants_help": True},
    "money": {"income": ["universal_credit"], "debts": False, "bank_account": True, "photo_id": True},
    "family": {"parental_status": "none", "pregnant": "no"},
    "domestic_abuse": {"safe_at_home": True, "abuse_past_year": "no"},
    "offending": {"cj_status": "none", "arrested_past_28": False},
    "strengths": {"strengths": ["family"], "what_matters": "Crash test"},
}
#: Answers that end the retrying of one step: the request was understood and refused (or its precondition moved).
REFUSED = (412, 422)


def _attempt(port, ledger, method, path, headers, body=None):
    with ledger.lock:
        ledger.attempts += 1
    try:
        return call(port, method, path, headers, body)
    except (OSError, http.client.HTTPException):  # refused, reset, or the answer cut off by a kill
        return 0, b""


def _until_answered(port, ledger, stop, method, path, headers, body=None):
    """Send the same request (same Idempotency-Key, if any) until it is acknowledged or refused, or until
    ABANDON_AFTER (a key claimed by a killed worker answers 409 until it goes stale, five minutes: like a real
    client, give up on it after a while; it was never acknowledged, so nothing is owed). (status, body)."""
    first_try, status, data = time.monotonic(), 0, b""
    while not stop.is_set() and time.monotonic() - first_try < ABANDON_AFTER:
        status, data = _attempt(port, ledger, method, path, headers, body)
        if status in (200, 201, 204) or status in REFUSED:
            return status, data
        with ledger.lock:
            ledger.failures += 1
        time.sleep(0.05)
    return status, data


def assess(port: int, auth: dict, person: str, ledger: Ledger, stop: threading.Event, mine: dict) -> None:
    """One step further with this client's assessment of `person`: start a draft (Idempotency-Key), save the
    answers (If-Match), submit it (Idempotency-Key). What is not acknowledged is taken up again next time
    from what the server says (`mine` holds the draft, its revision, whether saved, the submit key)."""
    if mine.get("draft") is None:
        key = str(uuid.uuid4())
        status, data = _until_answered(port, ledger, stop, "POST", f"/api/v1/people/{person}/assessments",
                                       {**auth, "Idempotency-Key": key}, {"instrument": "holistic-assessment"})
        if status in (200, 201):
            view = json.loads(data)
            with ledger.lock:
                ledger.assessment_starts[key] = view["id"]
            mine.update(draft=view["id"], revision=view["revision"], saved=False, submit_key=None)
        elif status == 422:  # an earlier start given up on did commit after all: carry on with that draft
            status, data = _until_answered(port, ledger, stop, "GET", f"/api/v1/people/{person}/assessments", auth)
            drafts = [a for a in json.loads(data) if a["status"] == "draft"] if status == 200 else []
            if drafts:
                mine.update(draft=drafts[0]["id"], revision=None, saved=False, submit_key=None)
        if mine.get("draft") is None:
            return
    path = f"/api/v1/assessments/{mine['draft']}"
    if mine.get("revision") is None:  # an answer was lost: ask where the draft stands
        status, data = _until_answered(port, ledger, stop, "GET", path, auth)
        if status != 200:
            return
        view = json.loads(data)
        if view["status"] == "submitted":  # submitted, its answer lost and its key given up: not acknowledged
            mine.clear()
            return
        mine["revision"] = view["revision"]
    if not mine.get("saved"):
        status, data = _until_answered(port, ledger, stop, "PATCH", path,
                                       {**auth, "If-Match": f'"{mine["revision"]}"'}, {"answers": ANSWERS})
        if status == 200:
            mine.update(revision=json.loads(data)["revision"], saved=True)
        elif status == 412:  # our save committed but its answer was lost: read the revision, save again
            mine["revision"] = None
        if not mine.get("saved"):
            return
    # The same submit key until the submit is acknowledged or refused: a retry replays, never submits twice.
    key = mine.get("submit_key") or str(uuid.uuid4())
    mine["submit_key"] = key
    status, data = _until_answered(port, ledger, stop, "POST", f"{path}/submit",
                                   {**auth, "Idempotency-Key": key, "If-Match": f'"{mine["revision"]}"'})
    if status == 200:
        with ledger.lock:
            ledger.assessments[key] = json.loads(data)["id"]
        mine.clear()
    elif status in REFUSED:  # e.g. submitted under a key given up on: look again
        mine.update(revision=None, saved=False, submit_key=None)
    elif status == 409:  # claimed by a killed worker, so never committed: a new key next time
        mine["submit_key"] = None


def client(port: int, token: str, person: str, to_agency: str, assessed: str, ledger: Ledger,
           stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    auth = {"Authorization": f"Bearer {token}"}
    mine: dict = {}
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.4:
            key = str(uuid.uuid4())
            body = {"to_agency": to_agency, "service": f"Service {rng.randint(1, 9)}", "reason": "Crash test"}
            # Retry the same request with the same key until it is acknowledged.
            status, data = _until_answered(port, ledger, stop, "POST", f"/api/v1/people/{person}/referrals",
                                           {**auth, "Idempotency-Key": key}, body)
            if status in (200, 201):
                with ledger.lock:
                    ledger.referrals[key] = json.loads(data)["id"]
        elif roll < 0.7:
            assess(port, auth, assessed, ledger, stop, mine)
        else:
            key = str(uuid.uuid4())
            status, data = _until_answered(port, ledger, stop, "POST", f"/api/v1/people/{person}/notes",
                                           {**auth, "Idempotency-Key": key},
                                           {"text": f"Crash test note {key}", "category": "contact_admin"})
            if status in (200, 201):
                with ledger.lock:
                    ledger.notes[key] = str(json.loads(data)["id"])


def cli(env: dict, *args: str, timeout: float = 300) -> str:
    result = subprocess.run([str(BIN / "throughcare"), *args], env=env, capture_output=True, text=True,  # noqa: S603
                            timeout=timeout, cwd=ROOT)
    if result.returncode != 0:
        raise CrashError(f"throughcare {' '.join(args)} failed: {result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout


SETUP = """
import json, sys, datetime as dt
import django
django.setup()
from throughcare.accounts.actions import create_token
from throughcare.agencies.actions import create_agency, create_staff
from throughcare.people.actions import register_person
from throughcare.people.inputs import PersonDetails
home = create_agency(actor=None, name="Crash Treatment", kind="community_treatment")
other = create_agency(actor=None, name="Crash Housing", kind="housing")
staff = create_staff(actor=None, username="crash", agency=home, role="key_worker", password="crash-test-only-pw")
person = register_person(actor=staff.user, details=PersonDetails(given_names="Crash", family_name="Test",
                                                                  date_of_birth=dt.date(1980, 1, 1)))
# One person for each client's assessments (one draft per person, instrument and agency).
assessed = [register_person(actor=staff.user, details=PersonDetails(
    given_names="Assessed", family_name=f"Client{n}", date_of_birth=dt.date(1981, 1, 1 + n))).pk
    for n in range(int(sys.argv[1]))]
print(json.dumps({"token": create_token(actor=None, username="crash"), "person": str(person.pk),
                  "to_agency": str(other.pk), "assessed": [str(pk) for pk in assessed]}))
"""

CHECK = """
import json, sys
import django
django.setup()
from collections import Counter
from throughcare.assessments.models import Assessment
from throughcare.audit.models import AuditEntry
from throughcare.core.models import IdempotencyKey
from throughcare.journey.models import Event
from throughcare.referrals.models import Referral
ledger = json.load(sys.stdin)
referrals = {str(pk) for pk in Referral.objects.values_list("pk", flat=True)}
assessments = {str(pk): status for pk, status in Assessment.objects.values_list("pk", "status")}
keys = dict(IdempotencyKey.objects.filter(state="done").values_list("key", "resource_id"))
notes = dict((str(pk), body) for pk, body in Event.objects.filter(kind="note").values_list("pk", "body"))
referral_keyed = set(keys.values()) - set(assessments) - set(notes)  # what the done keys made: referrals
created = Counter(AuditEntry.objects.filter(action="referral.create", outcome="allowed")
                  .values_list("resource_id", flat=True))
noted = Counter(AuditEntry.objects.filter(action="note.add", outcome="allowed").values_list("resource_id", flat=True))
problems = []
for key, rid in ledger["referrals"].items():
    if rid not in referrals:
        problems.append(f"acknowledged referral {rid} (key {key}) is missing")
    if keys.get(key) != rid:
        problems.append(f"key {key} answered {rid} but the database records {keys.get(key)}")
unexplained = referrals - referral_keyed
if unexplained:
    problems.append(f"{len(unexplained)} referrals exist that no idempotency key explains (duplicates)")
if len(referrals) != len(referral_keyed):
    problems.append(f"{len(referrals)} referrals for {len(referral_keyed)} keys")
for rid in referrals:
    if created.get(rid, 0) != 1:
        problems.append(f"referral {rid} has {created.get(rid, 0)} referral.create audit entries")
keys_for = Counter(keys.values())
for key, nid in ledger["notes"].items():
    if nid not in notes:
        problems.append(f"acknowledged note {nid} (key {key}) is missing")
    if keys.get(key) != nid:
        problems.append(f"note key {key} answered {nid} but the database records {keys.get(key)}")
for nid, body in notes.items():
    if noted.get(nid, 0) != 1:
        problems.append(f"note {nid} has {noted.get(nid, 0)} note.add audit entries")
    if keys_for.get(nid, 0) != 1:  # every note was sent under a key: one that no key explains is a duplicate
        problems.append(f"note {nid} is explained by {keys_for.get(nid, 0)} keys")
twice = [body for body, count in Counter(notes.values()).items() if count > 1]
if twice:
    problems.append(f"{len(twice)} notes were added twice: {twice[:3]}")
def entries(action):
    return Counter(AuditEntry.objects.filter(action=action, outcome="allowed", resource="assessment")
                   .values_list("resource_id", flat=True))
started, submitted = entries("assessment.start"), entries("assessment.submit")
events = Counter((subject, title.rsplit(" ", 1)[-1]) for subject, title in
                 Event.objects.filter(kind="assessment").values_list("subject_id", "title"))
for key, aid in ledger["assessments"].items():
    if aid not in assessments:
        problems.append(f"acknowledged assessment {aid} (key {key}) is missing")
    elif assessments[aid] != "submitted":
        problems.append(f"acknowledged assessment {aid} is {assessments[aid]}, not submitted")
    if keys.get(key) != aid:
        problems.append(f"submit key {key} answered {aid} but the database records {keys.get(key)}")
for key, aid in ledger["assessment_starts"].items():
    if keys.get(key) != aid:
        problems.append(f"start key {key} answered {aid} but the database records {keys.get(key)}")
    if aid not in assessments:
        problems.append(f"acknowledged draft {aid} (key {key}) is missing")
for aid, status in assessments.items():
    done = status == "submitted"
    # One start key made it and, once submitted, one submit key submitted it: a retry that made a second
    # assessment, or submitted one twice, would show here (or as a second audit entry or event).
    if keys_for.get(aid, 0) != (2 if done else 1):
        problems.append(f"assessment {aid} ({status}) is explained by {keys_for.get(aid, 0)} keys")
    if started.get(aid, 0) != 1:
        problems.append(f"assessment {aid} has {started.get(aid, 0)} assessment.start audit entries")
    if submitted.get(aid, 0) != (1 if done else 0):
        problems.append(f"assessment {aid} ({status}) has {submitted.get(aid, 0)} assessment.submit audit entries")
    if events.get((aid, "started"), 0) != 1 or events.get((aid, "submitted"), 0) != (1 if done else 0):
        problems.append(f"assessment {aid} ({status}) has journey events {sorted(events.items())}")
print(json.dumps({"referrals": len(referrals), "notes": len(notes), "problems": problems,
                  "assessments_submitted": sum(1 for s in assessments.values() if s == "submitted"),
                  "assessment_drafts": sum(1 for s in assessments.values() if s == "draft")}))
"""


def run(cycles: int, *, seconds_per_cycle: float = 2.0, clients: int = 4, seed: int = 7) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="throughcare-crash-"))
    cluster = Cluster(workdir)
    gunicorn = None
    started = time.monotonic()
    try:
        cluster.init()
        cluster.start()
        subprocess.run([*cluster.as_user, str(cluster.bin / "createdb"), "-h", LOOPBACK, "-p", str(cluster.port),  # noqa: S603
                        "-U", "postgres", "throughcare"], check=True, capture_output=True, timeout=60)
        env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHCARE_")}
        appdir = workdir / "app"  # removed with the cluster at the end
        appdir.mkdir()
        env.update({"DATABASE_URL": cluster.url, "THROUGHCARE_DATA_DIR": str(appdir),
                    "THROUGHCARE_SECRET_KEY": "crash-test-only-not-a-secret", "THROUGHCARE_DB_CONN_MAX_AGE": "60",
                    "DJANGO_SETTINGS_MODULE": "throughcare.settings", "PYTHONUNBUFFERED": "1"})
        env.pop("TZ", None)
        cli(env, "migrate")
        world = json.loads(subprocess.run([str(BIN / "python"), "-c", SETUP, str(clients)], env=env, capture_output=True,  # noqa: S603
                                          text=True, timeout=120, cwd=ROOT, check=True).stdout.splitlines()[-1])
        port = free_port()
        gunicorn = subprocess.Popen(  # noqa: S603
            # As `throughcare serve --workers 2` runs it in production (decision 0019): gthread workers, the app
            # loaded before they fork, so a killed worker is replaced in a moment, not after a fresh import.
            [str(BIN / "gunicorn"), "throughcare.wsgi:application", "--bind", f"{LOOPBACK}:{port}", "--workers", "2",
             "--worker-class", WORKER_CLASS, "--threads", "4", "--preload", "--timeout", "30", "--log-level", "critical"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_http(port)
        ledger, stop = Ledger(), threading.Event()
        threads = [threading.Thread(target=client, args=(port, world["token"], world["person"], world["to_agency"],
                                                         world["assessed"][i], ledger, stop, seed + i), daemon=True)
                   for i in range(clients)]
        for thread in threads:
            thread.start()
        rng = random.Random(seed)
        kills = {"worker": 0, "postgres": 0}
        for cycle in range(cycles):
            time.sleep(seconds_per_cycle * rng.uniform(0.5, 1.0))
            workers = _children(gunicorn.pid)
            if workers:
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills["worker"] += 1
            if cycle % 2 == 1:
                cluster.kill()
                kills["postgres"] += 1
                time.sleep(rng.uniform(0.1, 0.5))
                cluster.start()
            log(f"cycle {cycle + 1}/{cycles}: {len(ledger.referrals)} referrals, {len(ledger.assessments)} "
                f"assessments and {len(ledger.notes)} notes acknowledged, {ledger.failures} failed attempts")
        time.sleep(seconds_per_cycle)  # let retries catch up after the last crash
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        with ledger.lock:
            snapshot = {"referrals": dict(ledger.referrals), "notes": dict(ledger.notes),
                        "assessments": dict(ledger.assessments), "assessment_starts": dict(ledger.assessment_starts)}
        check = json.loads(subprocess.run([str(BIN / "python"), "-c", CHECK], env=env, input=json.dumps(snapshot),  # noqa: S603
                                          capture_output=True, text=True, timeout=300, cwd=ROOT,
                                          check=True).stdout.splitlines()[-1])
        verify = subprocess.run([str(BIN / "throughcare"), "audit", "verify"], env=env, capture_output=True,  # noqa: S603
                                text=True, timeout=300, cwd=ROOT)
        return {
            "cycles": cycles, "kills": kills, "attempts": ledger.attempts, "failed_attempts": ledger.failures,
            "acknowledged_referrals": len(snapshot["referrals"]), "acknowledged_notes": len(snapshot["notes"]),
            "acknowledged_assessments": len(snapshot["assessments"]),
            "acknowledged_assessment_starts": len(snapshot["assessment_starts"]),
            "referrals_in_database": check["referrals"], "notes_in_database": check["notes"],
            "assessments_submitted_in_database": check["assessments_submitted"],
            "assessment_drafts_in_database": check["assessment_drafts"],
            "problems": check["problems"], "audit_verified": verify.returncode == 0,
            "audit_output": (verify.stdout + verify.stderr).strip()[-500:],
            "seconds": round(time.monotonic() - started, 1),
        }
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            os.killpg(gunicorn.pid, signal.SIGKILL)
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _wait_http(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if call(port, "GET", "/healthz", {}, timeout=3)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise CrashError(f"the server did not answer on port {port}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=2.0, help="writing time per cycle")
    args = parser.parse_args()
    result = run(args.cycles, seconds_per_cycle=args.seconds)
    print(json.dumps(result, indent=2))
    return 0 if not result["problems"] and result["audit_verified"] else 1


if __name__ == "__main__":
    sys.exit(main())
