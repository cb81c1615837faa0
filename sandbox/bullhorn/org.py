"""A generated Bullhorn corporation: its entities, candidate files, countries, and the changes made to it.

``generate_org`` is deterministic for the same arguments (``random.Random(seed)``):

* Candidates: ``candidates`` applicants of a legal staffing firm, some with
  non-ASCII names; ~5 % apply twice (a second Candidate id with the same name
  and e-mail, as Bullhorn's web portal makes them); ~3 % soft-deleted
  (``isDeleted``: Bullhorn never hard-deletes). ~75 % carry a parsed résumé as
  HTML in ``description`` (the others an empty one). Custom fields as the law
  firm's portal used them: ``customInt1`` qualification year, ``customText2``
  bar admissions (comma separated), ``customText7`` visa answer (some odd),
  ``customTextBlock5`` LinkedIn URL.
* CandidateEducation (0-3 each, ``customInt1`` graduation year) and
  CandidateWorkHistory (0-4 each); start and end dates in epoch milliseconds,
  some before 1970 (negative).
* Candidate files (``entityFiles``): most candidates without a description
  and some with one have a résumé file (PDF, DOCX, text, HTML rendered by
  ``sandbox/salesforce/documents.py``; Word 97 DOC from ``tests/fixtures/doc``,
  whose text names someone else, as no Python library writes DOC); some also a
  cover letter.
* JobOrders: ``candidates // 10 + 3``, open or closed, public (1), private (0) or
  internal (-1), some soft-deleted, employment types incl. 'Job Req', 'Bench Req'.

Every record's ``dateLastModified`` lies in ``[anchor - spread, anchor)``,
stratified so every hour of the window sees changes; ``dateAdded`` is
earlier. A change replaces a record's dict instead of mutating it.
"""

from __future__ import annotations

import random
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.bullhorn.schema import ENTITIES, EntityDef
from sandbox.salesforce.documents import FileSpec, ascii_fold, render, render_in_pool
from sandbox.salesforce.vocabulary import (
    CONTACT_TITLES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    NAMED_ACCOUNTS,
    PLACES,
    UNIVERSITIES,
)

Record = dict[str, Any]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_YEAR_MS = 365 * 86_400_000
_RENDER_CACHE_SIZE = 32
DOC_FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "doc"
DOC_CONTENT_TYPE = "application/msword"

# Bullhorn's country ids for the places the vocabulary uses, and a few more.
COUNTRIES: tuple[tuple[int, str], ...] = (
    (1, "United States"),
    (2185, "Brazil"),
    (2216, "Canada"),
    (2222, "Denmark"),
    (2227, "France"),
    (2229, "Germany"),
    (2240, "Iceland"),
    (2243, "Ireland"),
    (2281, "Poland"),
    (2299, "Spain"),
    (2304, "Switzerland"),
    (2359, "United Kingdom"),
    (2244, "Israel"),
    (2248, "Japan"),
    (2275, "Netherlands"),
    (2294, "Singapore"),
    (2236, "Hong Kong"),
    (2166, "Australia"),
    (2200, "China"),
    (2241, "India"),
    (2278, "New Zealand"),
    (2245, "Italy"),
    (2279, "Norway"),
    (2303, "Sweden"),
    (2178, "Belgium"),
    (2177, "Austria"),
    (2282, "Portugal"),
    (2301, "South Africa"),
    (2347, "United Arab Emirates"),
    (2258, "Luxembourg"),
)
_COUNTRY_IDS = {name: country_id for country_id, name in COUNTRIES}

CATEGORIES: tuple[tuple[int, str], ...] = tuple(
    (2_000_001 + number, name)
    for number, name in enumerate(
        (
            "Corporate / M&A",
            "Litigation",
            "Banking & Finance",
            "Employment",
            "Intellectual Property",
            "Real Estate",
            "Tax",
            "Regulatory & Compliance",
            "Private Equity",
            "Data Privacy",
        )
    )
)
BAR_ADMISSIONS = (
    "US - New York",
    "US - New Jersey",
    "US - California",
    "US - Texas",
    "UK - England & Wales",
    "UK - Scotland",
    "HK - Hong Kong",
    "SG - Singapore",
    "DE - Germany",
)
VISA_ANSWERS = (
    ("No - I will not require assistance from Axiom",) * 12
    + ("Yes - I will require assistance from Axiom",) * 4
    + ("Yes - H1B transfer",)
    + ("yes",)
    + ("N/A",)
    + ("",)
)
SOURCES = ("Direct - Axiom website", "LinkedIn", "Referral", "Job Board - Indeed", "Candidate Web Portal")
CANDIDATE_STATUSES = ("New Lead",) * 4 + ("Active",) * 8 + ("Available",) * 3 + ("Placed",) * 3 + ("DNU",)
EMPLOYMENT_PREFERENCES = ("Permanent", "Contract", "Contract to Hire", "Permanent,Contract")
EMPLOYMENT_TYPES = ("Job Req",) * 6 + ("Bench Req",) * 2 + ("Contract",) * 2 + ("Permanent", "Temp")
DEGREES = ("JD", "LL.M", "LL.B", "BA", "BSc", "MBA", "JD/MPP", "BCL")
MAJORS = ("Law", "Public Policy", "Economics", "History", "Business Administration", "Politics")
RESUME_FORMATS = ("pdf",) * 5 + ("docx",) * 4 + ("txt",) * 2 + ("html",) * 2 + ("doc",)


@dataclass(frozen=True)
class CandidateFile:
    """A file attached to a candidate: rendered from ``spec``, read from a DOC fixture, or uploaded."""

    id: int
    candidate_id: int
    name: str
    type: str  # Resume, Cover Letter, SAMPLE...
    description: str
    content_type: str
    extension: str
    date_added: int
    spec: FileSpec | None = None
    content: bytes | None = None
    external_id: str | None = None


class Org:
    """The corporation's entities (name → id → record), candidate files and the changes made through the API.

    Reads and writes take ``lock``; records are replaced, never mutated.
    """

    def __init__(self, *, seed: int = 7, corp_token: str = "sbx7") -> None:  # noqa: S107 - an id, not a secret
        self.seed = seed
        self.corp_token = corp_token
        self.tables: dict[str, dict[int, Record]] = {name: {} for name in ENTITIES}
        self.lock = threading.RLock()
        self.files: dict[int, list[CandidateFile]] = {}
        self.writes: list[dict[str, Any]] = []  # what clients wrote, for the admin route
        self._children: dict[tuple[str, int], list[int]] = {}  # (child entity, parent id) → child ids
        self._serials: dict[str, int] = {}
        self._rendered: OrderedDict[int, bytes] = OrderedDict()
        self._render_lock = threading.Lock()

    # ---- reading ----

    def rows(self, entity: str) -> list[Record]:
        """Every record of an entity, soft-deleted ones included, in id order."""
        with self.lock:
            return list(self.tables[entity].values())

    def get(self, entity: str, record_id: int) -> Record | None:
        """The record of ``entity`` with this id, or None."""
        return self.tables.get(entity, {}).get(record_id)

    def children(self, entity: str, parent_id: int) -> list[Record]:
        """The ``entity`` records (CandidateEducation, CandidateWorkHistory) of one candidate."""
        with self.lock:
            ids = self._children.get((entity, parent_id), [])
            return [self.tables[entity][child_id] for child_id in ids]

    def candidate_files(self, candidate_id: int) -> list[CandidateFile]:
        """The files attached to a candidate, oldest first."""
        with self.lock:
            return list(self.files.get(candidate_id, []))

    def file_content(self, attached: CandidateFile) -> bytes:
        """A file's bytes (rendered on demand, the last few kept)."""
        if attached.content is not None:
            return attached.content
        if attached.spec is None:
            raise KeyError(attached.id)
        with self._render_lock:
            content = self._rendered.get(attached.id)
            if content is not None:
                self._rendered.move_to_end(attached.id)
                return content
        content = render_in_pool(attached.spec)
        with self._render_lock:
            self._rendered[attached.id] = content
            while len(self._rendered) > _RENDER_CACHE_SIZE:
                self._rendered.popitem(last=False)
        return content

    def live_counts(self) -> dict[str, int]:
        """How many records of each entity are not soft-deleted."""
        with self.lock:
            return {
                name: sum(1 for record in table.values() if not record.get("isDeleted"))
                for name, table in self.tables.items()
            }

    # ---- changing ----

    def next_id(self, entity: str) -> int:
        """A fresh id for ``entity`` (each entity counts from its own base, as Bullhorn ids do)."""
        with self.lock:
            serial = self._serials.get(entity, 0)
            self._serials[entity] = serial + 1
            return _ID_BASES.get(entity, 1) + serial

    def insert(self, entity: str, values: Mapping[str, Any], stamp_ms: int) -> Record:
        """Create a record from checked values, stamped ``stamp_ms``; return it."""
        with self.lock:
            record: Record = {"dateAdded": stamp_ms, "isDeleted": False, **values}
            record.update(id=self.next_id(entity), dateLastModified=stamp_ms)
            self._store(entity, record)
            return record

    def update(self, entity: str, record_id: int, values: Mapping[str, Any], stamp_ms: int) -> Record:
        """Set checked values on a record and move its ``dateLastModified``; KeyError when there is none."""
        with self.lock:
            current = self.tables[entity][record_id]
            record = {**current, **values, "id": record_id, "dateLastModified": stamp_ms}
            self.tables[entity][record_id] = record
            return record

    def attach(self, attached: CandidateFile) -> None:
        """Attach a file to its candidate."""
        with self.lock:
            self.files.setdefault(attached.candidate_id, []).append(attached)

    def log_write(self, entry: dict[str, Any]) -> None:
        """Remember a write made through the API."""
        with self.lock:
            self.writes.append(entry)

    def touch(
        self, entity: str, count: int, stamp_ms: int, seed: int, *, delete: int = 0, close: int = 0
    ) -> dict[str, list[int]]:
        """Mark ``count`` live records, picked from ``seed``, modified at ``stamp_ms``.

        The first ``delete`` of them are also soft-deleted, and (JobOrders) the next
        ``close`` closed. Returns the ids: ``{"ids", "deleted", "closed"}``.
        """
        with self.lock:
            live = sorted(rid for rid, record in self.tables[entity].items() if not record.get("isDeleted"))
            picked = random.Random(seed).sample(live, min(count, len(live)))
            deleted, closed = picked[:delete], picked[delete : delete + close]
            for record_id in picked:
                changes: Record = {}
                if record_id in deleted:
                    changes["isDeleted"] = True
                if record_id in closed:
                    changes.update(isOpen=False, status="Closed", dateClosed=stamp_ms)
                self.update(entity, record_id, changes, stamp_ms)
            return {"ids": picked, "deleted": deleted, "closed": closed}

    def _store(self, entity: str, record: Record) -> None:
        self.tables[entity][record["id"]] = record
        parent = record.get("candidate")
        if entity in ("CandidateEducation", "CandidateWorkHistory") and isinstance(parent, dict):
            self._children.setdefault((entity, parent["id"]), []).append(record["id"])


_ID_BASES = {
    "Candidate": 10_001,
    "JobOrder": 5_001,
    "CandidateEducation": 200_001,
    "CandidateWorkHistory": 300_001,
    "JobSubmission": 400_001,
    "File": 900_001,
}


def to_epoch_ms(moment: datetime) -> int:
    """A timezone-aware datetime as Bullhorn's epoch milliseconds (rounded up to the millisecond)."""
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    return -(-micros // 1000)


def from_epoch_ms(milliseconds: int) -> datetime:
    """Bullhorn's epoch milliseconds as a UTC datetime."""
    return _EPOCH + timedelta(milliseconds=milliseconds)


# ---- generation ---------------------------------------------------------------------------------


def generate_org(
    candidates: int, *, seed: int = 7, anchor: datetime, spread: timedelta = timedelta(hours=72)
) -> Org:
    """Generate a corporation of ``candidates`` candidates, their history and files, and job orders."""
    if anchor.tzinfo is None:
        raise ValueError("anchor must be timezone-aware")
    if candidates < 0 or spread <= timedelta(0):
        raise ValueError("candidates must be >= 0 and spread positive")
    return _Generator(candidates, seed, anchor, spread).run()


class _Generator:
    """Builds the org entity by entity, drawing from one seeded random stream."""

    def __init__(self, candidates: int, seed: int, anchor: datetime, spread: timedelta) -> None:
        self.candidates = candidates
        self.seed = seed
        self.rng = random.Random(seed)
        self.low = to_epoch_ms(anchor - spread)
        self.high = to_epoch_ms(anchor)
        self.org = Org(seed=seed)
        self.doc_fixtures = sorted(DOC_FIXTURES.glob("*.doc")) if DOC_FIXTURES.is_dir() else []

    def window(self, count: int) -> list[int]:
        """``count`` stamps, one in each of ``count`` equal slices of the window, in random order."""
        width = self.high - self.low
        stamps = [self.low + int((slot + self.rng.random()) * width / count) for slot in range(count)]
        self.rng.shuffle(stamps)
        return stamps

    def added_before(self, stamp: int) -> int:
        """A ``dateAdded`` up to three years before a ``dateLastModified``."""
        return stamp - 60_000 - int(self.rng.random() * 3 * _YEAR_MS)

    def run(self) -> Org:
        people = self.people()
        stamps = self.window(len(people))
        for person, stamp in zip(people, stamps, strict=True):
            self.candidate(person, stamp)
        self.job_orders()
        return self.org

    def people(self) -> list[Record]:
        """Who applies: each person once, ~5 % of them twice (a duplicate Candidate)."""
        rng = self.rng
        people = []
        for number in range(self.candidates):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{ascii_fold(first)}.{ascii_fold(last)}".lower().replace(" ", "")
            person = {
                "firstName": first,
                "lastName": last,
                "email": f"{local}{number}@{rng.choice(EMAIL_DOMAINS)}",
            }
            people.append(person)
        duplicates = [dict(person) for person in people if rng.random() < 0.05]
        return people + duplicates

    def candidate(self, person: Record, stamp: int) -> None:
        rng, org = self.rng, self.org
        city, state, country = rng.choice(PLACES) if rng.random() < 0.9 else (None, None, None)
        category_id, category_name = rng.choice(CATEGORIES)
        # A few veterans qualified before 1970: their education dates are negative epoch milliseconds.
        qualified = rng.randint(1962, 1984) if rng.random() < 0.08 else rng.randint(1985, 2024)
        first, last = person["firstName"], person["lastName"]
        candidate_id = org.next_id("Candidate")
        record: Record = {
            "id": candidate_id,
            "firstName": first,
            "lastName": last,
            "name": f"{first} {last}",
            "email": person["email"],
            "phone": f"+1 212-555-01{rng.randint(0, 99):02d}" if rng.random() < 0.8 else None,
            "mobile": f"+44 7700 900{rng.randint(0, 999):03d}" if rng.random() < 0.4 else None,
            "status": rng.choice(CANDIDATE_STATUSES),
            "source": rng.choice(SOURCES),
            "occupation": rng.choice(CONTACT_TITLES) if rng.random() < 0.85 else None,
            "employmentPreference": rng.choice(EMPLOYMENT_PREFERENCES),
            "experience": max(0, 2026 - qualified + rng.randint(-1, 2)),
            "companyName": rng.choice(NAMED_ACCOUNTS) if rng.random() < 0.6 else None,
            "address": {
                "address1": f"{rng.randint(1, 250)} {rng.choice(LAST_NAMES)} Street" if city else None,
                "address2": None,
                "city": city,
                "state": state,
                "zip": f"{rng.randint(10000, 99999)}" if state else None,
                "countryID": _COUNTRY_IDS.get(country or "", 1) if city else None,
            },
            "category": {"id": category_id, "name": category_name},
            "customInt1": qualified if rng.random() < 0.9 else None,
            "customText2": ",".join(rng.sample(BAR_ADMISSIONS, k=rng.randint(1, 3))),
            "customText7": rng.choice(VISA_ANSWERS),
            "customTextBlock5": self.linkedin(first, last) if rng.random() < 0.7 else None,
            "description": "",
            "dateAdded": self.added_before(stamp),
            "dateLastModified": stamp,
            "isDeleted": rng.random() < 0.03,
        }
        contact = {
            "Id": str(candidate_id),
            "FirstName": first,
            "LastName": last,
            "Email": record["email"],
            "Phone": record["phone"],
            "Title": record["occupation"],
            "MailingCity": city,
            "MailingCountry": country,
        }
        has_description = rng.random() < 0.75
        if has_description:
            record["description"] = self.resume_html(contact, record["dateAdded"])
        org._store("Candidate", record)
        self.history(candidate_id, qualified)
        if rng.random() < (0.85 if not has_description else 0.3):
            self.resume_file(candidate_id, contact, record["dateAdded"])
        if rng.random() < 0.15:
            self.resume_file(candidate_id, contact, record["dateAdded"], kind="Cover Letter")

    def linkedin(self, first: str, last: str) -> str:
        """A LinkedIn profile URL, as candidates type it in."""
        return f"https://www.linkedin.com/in/{ascii_fold(first + last).lower()}-{self.rng.randint(1, 999)}"

    def resume_html(self, contact: Record, added: int) -> str:
        """A parsed résumé's HTML, as Bullhorn's parser stores it in ``description``."""
        spec = self.spec(f"description-{contact['Id']}", contact, "html", added)
        return render(spec).decode("utf-8")

    def spec(
        self, document_id: str, contact: Record, file_format: str, added: int, kind: str = "Resume"
    ) -> FileSpec:
        return FileSpec(
            document_id=document_id,
            kind=kind,
            version=1,
            file_format=file_format,
            legacy_encoding=self.rng.random() < 0.3,
            long=self.rng.random() < 0.1,
            contact=contact,
            created=from_epoch_ms(added),
            seed=self.seed,
        )

    def resume_file(self, candidate_id: int, contact: Record, added: int, kind: str = "Resume") -> None:
        file_format = self.rng.choice(RESUME_FORMATS)
        file_id = self.org.next_id("File")
        stamp = added + int(self.rng.random() * 86_400_000)
        if file_format == "doc" and self.doc_fixtures:
            fixture = self.rng.choice(self.doc_fixtures)
            attached = CandidateFile(
                file_id, candidate_id, f"{fixture.stem}.doc", kind, "", DOC_CONTENT_TYPE, "doc", stamp,
                content=fixture.read_bytes(),
            )  # fmt: skip
        else:
            file_format = "pdf" if file_format == "doc" else file_format
            spec = self.spec(f"file-{file_id}", contact, file_format, stamp, kind)
            attached = CandidateFile(
                file_id,
                candidate_id,
                spec.file_name,
                kind,
                "",
                spec.content_type,
                file_format,
                stamp,
                spec=spec,
            )
        self.org.attach(attached)

    def history(self, candidate_id: int, qualified: int) -> None:
        rng, org = self.rng, self.org
        reference = {"id": candidate_id}
        for _ in range(rng.randint(0, 3)):
            graduated = qualified - rng.randint(0, 4)
            start = to_epoch_ms(datetime(graduated - rng.randint(1, 4), 9, 1, tzinfo=UTC))
            stamp = int(self.low - rng.random() * _YEAR_MS)
            org._store(
                "CandidateEducation",
                {
                    "id": org.next_id("CandidateEducation"),
                    "candidate": reference,
                    "school": rng.choice(UNIVERSITIES),
                    "major": rng.choice(MAJORS),
                    "degree": rng.choice(DEGREES),
                    "gpa": round(rng.uniform(2.5, 4.0), 2) if rng.random() < 0.6 else None,
                    "customInt1": graduated,
                    "startDate": start,
                    "endDate": to_epoch_ms(datetime(graduated, 6, 30, tzinfo=UTC)),
                    "comments": None,
                    "dateAdded": stamp - 1000,
                    "dateLastModified": stamp,
                    "isDeleted": False,
                },
            )
        year = 2026
        for number in range(rng.randint(0, 4)):
            began = year - rng.randint(1, 6)
            stamp = int(self.low - rng.random() * _YEAR_MS)
            org._store(
                "CandidateWorkHistory",
                {
                    "id": org.next_id("CandidateWorkHistory"),
                    "candidate": reference,
                    "title": rng.choice(CONTACT_TITLES),
                    "companyName": rng.choice(NAMED_ACCOUNTS),
                    "startDate": to_epoch_ms(datetime(began, rng.randint(1, 12), 1, tzinfo=UTC)),
                    "endDate": None if number == 0 else to_epoch_ms(datetime(year, 1, 31, tzinfo=UTC)),
                    "comments": "Led matters for institutional clients." if rng.random() < 0.3 else None,
                    "dateAdded": stamp - 1000,
                    "dateLastModified": stamp,
                    "isDeleted": False,
                },
            )
            year = began

    def job_orders(self) -> None:
        rng, org = self.rng, self.org
        count = self.candidates // 10 + 3
        for stamp in self.window(count):
            city, state, country = rng.choice(PLACES)
            is_open = rng.random() < 0.7
            title = rng.choice(JOB_TITLES)
            client = rng.choice(NAMED_ACCOUNTS)
            categories = rng.sample(CATEGORIES, k=rng.randint(0, 3))
            description = (
                f"<p><strong>{title}</strong> for {client} in {city}.</p><ul><li>Hybrid working</li></ul>"
            )
            added = self.added_before(stamp)
            org._store(
                "JobOrder",
                {
                    "id": org.next_id("JobOrder"),
                    "title": title,
                    "status": rng.choice(("Accepting Candidates", "Open", "Covered"))
                    if is_open
                    else "Closed",
                    "isOpen": is_open,
                    "isPublic": rng.choice((1, 1, 1, 0, -1)),
                    "isDeleted": rng.random() < 0.05,
                    "employmentType": rng.choice(EMPLOYMENT_TYPES),
                    "dateAdded": added,
                    "dateLastModified": stamp,
                    "dateClosed": None if is_open else stamp - int(rng.random() * 86_400_000),
                    "address": {"city": city, "state": state, "countryID": _COUNTRY_IDS[country]},
                    "description": description if rng.random() < 0.9 else None,
                    "publicDescription": description if rng.random() < 0.6 else None,
                    "salary": float(rng.randrange(60_000, 250_000, 5_000)),
                    "salaryUnit": rng.choice(("Per Year", "Per Hour", "Per Day")),
                    "clientCorporation": {"id": 7_001 + NAMED_ACCOUNTS.index(client), "name": client},
                    "numOpenings": rng.randint(1, 3),
                    "categories": [{"id": cid, "name": name} for cid, name in categories],
                },
            )


def path_value(org: Org, entity: EntityDef, record: Record, parts: tuple[str, ...]) -> Any:
    """The value at a field path (``resolve_path``) of a record, or None.

    A reference stores ``{"id": …}`` (or ``{"id", "name"}``); its other fields are
    read from the record it points at.
    """
    value = record.get(parts[0])
    if len(parts) == 1:
        return value
    if not isinstance(value, dict):
        return None
    if parts[1] in value:
        return value[parts[1]]
    target = entity.fields[parts[0]].target or ""
    referenced = org.get(target, value.get("id", 0))
    return None if referenced is None else referenced.get(parts[1])
