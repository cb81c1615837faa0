"""A generated Talent Rover org: its tables, its files, and the changes the admin routes make.

``generate_org`` is deterministic for the same arguments (``random.Random(seed)``):

* Accounts: law firms and companies, a few with non-ASCII names.
* Contacts: ``candidates`` candidates (Active ~55 %, Passive ~25 %, Placed ~20 %),
  ``candidates // 5`` client contacts (no status) and ``candidates // 20`` marked
  'Not Applicable'; optional fields are sometimes missing.
* Jobs (``TR1__Job__c``): ``candidates // 10 + 3``, Open ~60 % / Hold ~15 % / Closed
  ~25 %, HTML descriptions (some missing), linked to Accounts.
* Contact documents: ~80 % of candidates have a résumé, some in two versions
  (v2 the default), some in several versions none of which is the default; some
  also have a cover letter and some only a cover letter. Each document's file is
  an Attachment (named by ``TR1__Internal_URL__c``) or a ContentVersion (named by
  ``TR1__ContentVersionId__c``), about half each, rendered on request (see
  ``documents.py``).

Every record's ``SystemModstamp`` lies in ``[anchor - spread, anchor)``, in whole
milliseconds; the stamps of each object are spread evenly over the window
(stratified: each equal slice of the window gets its share), so every hour of
it sees changes. ``CreatedDate < LastModifiedDate <= SystemModstamp``.

Records are plain dicts of Python values (datetimes are UTC-aware). A change
replaces a record's dict instead of mutating it, so a query cursor keeps the
records as they were when it ran, and a file keeps the contact details it was
written with.
"""

from __future__ import annotations

import gc
import html
import random
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sandbox.salesforce.documents import CONTENT_TYPES, FileSpec, ascii_fold, document_text, render_in_pool
from sandbox.salesforce.ids import make_id
from sandbox.salesforce.schema import (
    CONTENT_DOCUMENT_PREFIX,
    ORGANIZATION_PREFIX,
    TALENT_ROVER,
    USER_PREFIX,
    Schema,
    SObjectDef,
)
from sandbox.salesforce.vocabulary import (
    ACCOUNT_SUFFIXES,
    CONTACT_TITLES,
    EMAIL_DOMAINS,
    FIELDS_OF_WORK,
    FIRST_NAMES,
    INDUSTRIES,
    JOB_PERKS,
    JOB_TITLES,
    LAST_NAMES,
    LEAD_SOURCES,
    NAMED_ACCOUNTS,
    PLACES,
)

Record = dict[str, Any]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_MS = 86_400_000
_RENDER_CACHE_SIZE = 32
_FILE_OBJECTS = {"Attachment": "Body", "ContentVersion": "VersionData"}
# Weighted choices as tables, one entry per 5 %: picking from them is cheap.
_CANDIDATE_STATUSES = ("Active",) * 11 + ("Passive",) * 5 + ("Placed",) * 4
# Rarer formats too (ODT from LibreOffice users, RTF from WordPad and TextEdit), so a
# window of a few dozen candidates usually meets every format the extractor reads.
_FORMAT_SHARES = ("pdf",) * 8 + ("docx",) * 6 + ("txt",) * 3 + ("html",) * 3 + ("odt",) * 2 + ("rtf",) * 2
_T = TypeVar("_T")


@dataclass(frozen=True)
class StoredFile:
    """A file body and its MIME type."""

    content: bytes
    content_type: str


class Org:
    """The org's tables (object name → Id → record) and its files.

    It is the data source SOQL plans read (``rows``, ``related``, ``deferred``).
    Changes go through ``insert``, ``update``, ``delete`` and ``touch`` under
    ``lock``; queries take the lock while they filter and sort.
    """

    def __init__(self, *, seed: int = 7, schema: Schema = TALENT_ROVER) -> None:
        self.schema = schema
        self.seed = seed
        self.tables: dict[str, dict[str, Record]] = {sobject.name: {} for sobject in schema}
        self.lock = threading.RLock()
        self.organization_id = make_id(ORGANIZATION_PREFIX, seed)
        self.user_id = make_id(USER_PREFIX, seed)
        self._serials: dict[str, int] = {}
        self._file_specs: dict[str, FileSpec] = {}  # Attachment or ContentVersion id → spec
        self._document_specs: dict[str, FileSpec] = {}  # ContactDocument id → spec
        self._uploads: dict[str, bytes] = {}  # bodies of files created through the admin routes
        self._rendered: OrderedDict[str, bytes] = OrderedDict()
        self._render_lock = threading.Lock()

    # ---- reading (the SOQL data source) ----

    def rows(self, sobject: str) -> Iterable[Record]:
        """Every record of an object, deleted ones included, in creation order."""
        return self.tables[sobject].values()

    def related(self, sobject: str, record_id: str) -> Record | None:
        """The record of ``sobject`` with this id, or None."""
        return self.tables[sobject].get(record_id)

    def deferred(self, sobject: str, record: Mapping[str, Any], field: str) -> Any:
        """A file's size (``BodyLength``, ``ContentSize``), rendering the file the first time."""
        stored = self.file(sobject, record["Id"])
        size = len(stored.content) if stored else 0
        if isinstance(record, dict):
            # The key exists from the start, so filling it never resizes a dict someone iterates.
            record[field] = size
        return size

    def live_count(self, sobject: str) -> int:
        """How many records of the object are not deleted."""
        with self.lock:
            return sum(1 for record in self.tables[sobject].values() if not record["IsDeleted"])

    def file(self, sobject: str, file_id: str) -> StoredFile | None:
        """The body of an Attachment or ContentVersion, or None when there is no such file."""
        record = self.tables.get(sobject, {}).get(file_id)
        if record is None or sobject not in _FILE_OBJECTS:
            return None
        content_type = _file_content_type(sobject, record)
        if file_id in self._uploads:
            return StoredFile(self._uploads[file_id], content_type)
        spec = self._file_specs.get(file_id)
        if spec is None:
            return None
        with self._render_lock:
            content = self._rendered.get(file_id)
            if content is not None:
                self._rendered.move_to_end(file_id)
        if content is None:
            content = render_in_pool(spec)
            with self._render_lock:
                self._rendered[file_id] = content
                while len(self._rendered) > _RENDER_CACHE_SIZE:
                    self._rendered.popitem(last=False)
        return StoredFile(content, content_type)

    def resume_text(self, document_id: str) -> str:
        """The text a ContactDocument's file was rendered from (any type: résumé, cover letter...).

        Raises KeyError for a document the generator did not write.
        """
        return document_text(self._document_specs[document_id])

    def file_spec(self, document_id: str) -> FileSpec:
        """How a generated ContactDocument's file is made (format, encoding, version)."""
        return self._document_specs[document_id]

    # ---- changing ----

    def new_id(self, sobject: str) -> str:
        """A fresh 18-character id with the object's key prefix."""
        definition = self._definition(sobject)
        return self._next_id(definition.key_prefix)

    def insert(self, sobject: str, values: Mapping[str, Any], stamp: datetime) -> Record:
        """Create a record with the given field values, stamped ``stamp``; return it.

        For Attachment and ContentVersion, ``Body``/``VersionData`` bytes become the file.
        """
        definition = self._definition(sobject)
        record: Record = dict.fromkeys(field.name for field in definition.fields)
        blob = _FILE_OBJECTS.get(definition.name)
        content = values.get(blob) if blob else None
        record.update({name: value for name, value in values.items() if name != blob})
        with self.lock:
            record_id = self._next_id(definition.key_prefix)
            record.update(
                Id=record_id, IsDeleted=False, CreatedDate=stamp, LastModifiedDate=stamp, SystemModstamp=stamp
            )
            _derive(definition.name, record)
            if definition.name == "ContentVersion":
                # Salesforce files a first version under a new ContentDocument.
                record.update(
                    ContentDocumentId=self._next_id(CONTENT_DOCUMENT_PREFIX),
                    IsLatest=True,
                    VersionNumber=record["VersionNumber"] or "1",
                )
            if isinstance(content, bytes):
                self._store_upload(definition.name, record, content)
            self.tables[definition.name][record_id] = record
        return record

    def update(
        self, sobject: str, ids: Iterable[str], values: Mapping[str, Any], stamp: datetime
    ) -> list[str]:
        """Set fields on records and move their LastModifiedDate and SystemModstamp to ``stamp``."""
        return self._replace(sobject, ids, {**values, "LastModifiedDate": stamp, "SystemModstamp": stamp})

    def delete(self, sobject: str, ids: Iterable[str], stamp: datetime) -> list[str]:
        """Mark records deleted (they stay visible to queryAll) and move their stamps."""
        return self._replace(
            sobject, ids, {"IsDeleted": True, "LastModifiedDate": stamp, "SystemModstamp": stamp}
        )

    def touch(self, sobject: str, count: int, stamp: datetime, seed: int) -> list[str]:
        """Stamp ``count`` live records, picked deterministically from ``seed``, as modified at ``stamp``."""
        definition = self._definition(sobject)
        with self.lock:
            live = sorted(
                record_id
                for record_id, record in self.tables[definition.name].items()
                if not record["IsDeleted"]
            )
            picked = random.Random(seed).sample(live, min(count, len(live)))
            return self.update(definition.name, picked, {}, stamp)

    def _replace(self, sobject: str, ids: Iterable[str], values: Mapping[str, Any]) -> list[str]:
        definition = self._definition(sobject)
        table = self.tables[definition.name]
        with self.lock:
            ids = list(ids)
            missing = [record_id for record_id in ids if record_id not in table]
            if missing:
                raise KeyError(f"no {definition.name} with id {', '.join(missing[:5])}")
            blob = _FILE_OBJECTS.get(definition.name)
            content = values.get(blob) if blob else None
            changes = {name: value for name, value in values.items() if name != blob}
            for record_id in ids:
                record = {**table[record_id], **changes}
                _derive(definition.name, record)
                if isinstance(content, bytes):
                    self._store_upload(definition.name, record, content)
                table[record_id] = record
        return ids

    def _store_upload(self, sobject: str, record: Record, content: bytes) -> None:
        """Make ``content`` the record's file, replacing any generated one."""
        self._uploads[record["Id"]] = content
        record["BodyLength" if sobject == "Attachment" else "ContentSize"] = len(content)
        with self._render_lock:
            self._rendered.pop(record["Id"], None)

    def _definition(self, sobject: str) -> SObjectDef:
        definition = self.schema.sobject(sobject)
        if definition is None:
            raise KeyError(f"no object {sobject}")
        return definition

    def _next_id(self, prefix: str) -> str:
        serial = self._serials.get(prefix, 0)
        self._serials[prefix] = serial + 1
        return make_id(prefix, serial)


def _derive(sobject: str, record: Record) -> None:
    """Keep computed fields (a Contact's Name, a file's extension) in step with their sources."""
    if sobject == "Contact":
        record["Name"] = " ".join(part for part in (record.get("FirstName"), record.get("LastName")) if part)
    elif sobject == "ContentVersion" and record.get("PathOnClient"):
        name = record["PathOnClient"]
        record["FileExtension"] = name.rsplit(".", 1)[1].lower() if "." in name else None


def _file_content_type(sobject: str, record: Mapping[str, Any]) -> str:
    if sobject == "Attachment":
        return record.get("ContentType") or "application/octet-stream"
    extension = record.get("FileExtension") or ""
    return CONTENT_TYPES.get(extension, "application/octet-stream")


# ---- generation ---------------------------------------------------------------------------------


def generate_org(
    candidates: int, *, seed: int = 7, anchor: datetime, spread: timedelta = timedelta(hours=72)
) -> Org:
    """Generate an org of ``candidates`` candidates plus clients, jobs and documents (see the module doc)."""
    if anchor.tzinfo is None:
        raise ValueError("anchor must be timezone-aware")
    if candidates < 0 or spread <= timedelta(0):
        raise ValueError("candidates must be >= 0 and spread positive")
    # Millions of new dicts would set off the cycle collector over and over; none of them form cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Generator(candidates, seed, anchor, spread).run()
    finally:
        if collecting:
            gc.enable()


class _Clock:
    """Stamps in whole milliseconds inside ``[anchor - spread, anchor)``."""

    def __init__(self, rng: random.Random, anchor: datetime, spread: timedelta) -> None:
        self.rng = rng
        self.low = _ceil_ms(anchor - spread)
        self.high = _ceil_ms(anchor)

    def window(self, count: int) -> list[int]:
        """``count`` stamps, one in each of ``count`` equal slices of the window, in random order."""
        width = self.high - self.low
        stamps = [self.low + int((slot + self.rng.random()) * width / count) for slot in range(count)]
        self.rng.shuffle(stamps)
        return stamps

    def audit(self, modstamp_ms: int) -> dict[str, Any]:
        """CreatedDate, LastModifiedDate and SystemModstamp for a record last stamped at ``modstamp_ms``."""
        modstamp = _from_ms(modstamp_ms)
        random = self.rng.random
        if random() < 0.8:
            modified_ms, modified = modstamp_ms, modstamp
        else:
            # A system change (a recalculation, an integration) moved only SystemModstamp.
            modified_ms = modstamp_ms - 1000 - int(random() * 45 * _DAY_MS)
            modified = _from_ms(modified_ms)
        created = _from_ms(modified_ms - 60_000 - int(random() * 3 * 365 * _DAY_MS))
        return {"CreatedDate": created, "LastModifiedDate": modified, "SystemModstamp": modstamp}


def _ceil_ms(moment: datetime) -> int:
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    return -(-micros // 1000)


def _from_ms(milliseconds: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=milliseconds)


@dataclass(frozen=True)
class _PlannedDocument:
    contact: Record
    kind: str
    version: int
    default: bool


class _Generator:
    """Builds the org object by object, drawing from one seeded random stream."""

    def __init__(self, candidates: int, seed: int, anchor: datetime, spread: timedelta) -> None:
        self.candidates = candidates
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = _Clock(self.rng, anchor, spread)
        self.org = Org(seed=seed)
        self.random = self.rng.random
        self._folded: dict[str, str] = {}
        self._prefixes = {sobject.name: sobject.key_prefix for sobject in self.org.schema}

    def pick(self, choices: Sequence[_T]) -> _T:
        """A uniform choice: ``rng.choice`` costs too much a few million times over."""
        return choices[int(self.random() * len(choices))]

    def run(self) -> Org:
        accounts = self.accounts()
        candidate_contacts = self.contacts(accounts)
        self.jobs(accounts)
        self.documents(candidate_contacts)
        return self.org

    def add(self, sobject: str, record: Record) -> Record:
        record["Id"] = self.org._next_id(self._prefixes[sobject])
        record["IsDeleted"] = False
        self.org.tables[sobject][record["Id"]] = record
        return record

    def fold(self, name: str) -> str:
        """A name in lower-case ASCII for an e-mail address (cached: names repeat)."""
        folded = self._folded.get(name)
        if folded is None:
            folded = self._folded[name] = ascii_fold(name).lower().replace(" ", "")
        return folded

    def phone(self) -> str:
        """A phone number from ranges reserved for fiction (UK 020 7946 0xxx, US 555-01xx)."""
        if self.random() < 0.6:
            return f"+44 20 7946 0{int(self.random() * 1000):03d}"
        return f"+1 212-555-01{int(self.random() * 100):02d}"

    def accounts(self) -> list[Record]:
        rng = self.rng
        count = max(len(NAMED_ACCOUNTS), self.candidates // 50)
        stamps = self.clock.window(count)
        accounts = []
        for number in range(count):
            if number < len(NAMED_ACCOUNTS):
                name = NAMED_ACCOUNTS[number]
            else:
                name = f"{rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)} {rng.choice(ACCOUNT_SUFFIXES)}"
            city, _, country = rng.choice(PLACES)
            record = {
                "Name": name,
                "Type": rng.choice(("Customer", "Customer", "Prospect", "Partner")),
                "Industry": rng.choice(INDUSTRIES),
                "BillingCity": city,
                "BillingCountry": country,
                **self.clock.audit(stamps[number]),
            }
            accounts.append(self.add("Account", record))
        return accounts

    def contacts(self, accounts: list[Record]) -> list[Record]:
        """Candidates, client contacts and 'Not Applicable' contacts, interleaved; return the candidates."""
        rng = self.rng
        kinds = ["candidate"] * self.candidates + ["client"] * (self.candidates // 5)
        kinds += ["not applicable"] * (self.candidates // 20)
        rng.shuffle(kinds)
        pick, random = self.pick, self.random
        stamps = self.clock.window(len(kinds))
        account_ids = [account["Id"] for account in accounts]
        candidates = []
        for number, kind in enumerate(kinds):
            first = pick(FIRST_NAMES) if random() < 0.98 else None
            last = pick(LAST_NAMES)
            place = pick(PLACES) if random() < 0.85 else (None, None, None)
            if kind == "candidate":
                status: str | None = pick(_CANDIDATE_STATUSES)
                account = pick(account_ids) if random() < 0.3 else None
            else:
                status = None if kind == "client" else "Not Applicable"
                account = pick(account_ids) if kind == "client" or random() < 0.5 else None
            local = f"{self.fold(first)}.{self.fold(last)}" if first else self.fold(last)
            record = {
                "FirstName": first,
                "LastName": last,
                "Name": f"{first} {last}" if first else last,
                "Email": f"{local}{number}@{pick(EMAIL_DOMAINS)}" if random() < 0.95 else None,
                "Phone": self.phone() if random() < 0.75 else None,
                "Title": pick(CONTACT_TITLES) if random() < 0.8 else None,
                "LeadSource": pick(LEAD_SOURCES) if random() < 0.7 else None,
                "MailingCity": place[0],
                "MailingState": place[1],
                "MailingCountry": place[2],
                "AccountId": account,
                "TR1__Candidate_Status__c": status,
                **self.clock.audit(stamps[number]),
            }
            self.add("Contact", record)
            if kind == "candidate":
                candidates.append(record)
        return candidates

    def jobs(self, accounts: list[Record]) -> None:
        rng = self.rng
        count = self.candidates // 10 + 3
        stamps = self.clock.window(count)
        for number in range(count):
            title = rng.choice(JOB_TITLES)
            account = rng.choice(accounts) if rng.random() < 0.95 else None
            city, state, country = rng.choice(PLACES) if rng.random() < 0.9 else (None, None, None)
            description = _job_description(rng, title, account, city) if rng.random() < 0.85 else None
            record = {
                "Name": title,
                "TR1__Status__c": rng.choices(("Open", "Hold", "Closed"), weights=(60, 15, 25))[0],
                "TR1__Client_Job_Description__c": description,
                "TR1__Account__c": account["Id"] if account else None,
                "TR1__City__c": city,
                "TR1__State_Area__c": state or country,
                **self.clock.audit(stamps[number]),
            }
            self.add("TR1__Job__c", record)

    def documents(self, candidates: list[Record]) -> None:
        plans = [plan for contact in candidates for plan in self.plan_documents(contact)]
        stamps = self.clock.window(len(plans))
        for plan, stamp in zip(plans, stamps, strict=True):
            self.document(plan, stamp)

    def plan_documents(self, contact: Record) -> list[_PlannedDocument]:
        """Which documents one candidate has: résumé versions, cover letter, reference."""
        random = self.random
        plans = []
        has = random()
        if has < 0.80:
            shape = random()
            if shape < 0.62:
                versions = [(1, True)]
            elif shape < 0.80:
                versions = [(1, False), (2, True)]
            elif shape < 0.92:
                # Several versions, none marked default: the highest version is the current one.
                versions = [(number, False) for number in range(1, 3 + (random() < 0.5))]
            else:
                versions = [(1, False)]
            plans += [_PlannedDocument(contact, "Resume", version, default) for version, default in versions]
            if random() < 0.25:
                plans.append(_PlannedDocument(contact, "Cover Letter", 1, True))
        elif has < 0.88:
            plans.append(_PlannedDocument(contact, "Cover Letter", 1, True))
        if random() < 0.04:
            plans.append(_PlannedDocument(contact, "Reference", 1, False))
        return plans

    def document(self, plan: _PlannedDocument, stamp: int) -> None:
        random = self.random
        audit = self.clock.audit(stamp)
        document_id = self.org._next_id(self._prefixes["TR1__ContactDocument__c"])
        spec = FileSpec(
            document_id=document_id,
            kind=plan.kind,
            version=plan.version,
            file_format=self.pick(_FORMAT_SHARES),
            legacy_encoding=random() < 0.5,
            long=plan.kind == "Resume" and random() < 0.15,
            contact=plan.contact,
            created=audit["CreatedDate"],
            seed=self.seed,
        )
        file_name = spec.file_name
        file_stamps = dict.fromkeys(
            ("CreatedDate", "LastModifiedDate", "SystemModstamp"), audit["CreatedDate"]
        )
        if random() < 0.5:
            file_record = self.add(
                "Attachment",
                {
                    "ParentId": document_id,
                    "Name": file_name,
                    "ContentType": spec.content_type,
                    "BodyLength": None,
                    "Body": None,
                    **file_stamps,
                },
            )
            internal_url = f"/servlet/servlet.FileDownload?file={file_record['Id']}"
            content_version = None
        else:
            file_record = self.add(
                "ContentVersion",
                {
                    "ContentDocumentId": self.org._next_id(CONTENT_DOCUMENT_PREFIX),
                    "Title": file_name.rsplit(".", 1)[0],
                    "PathOnClient": file_name,
                    "FileExtension": spec.file_format,
                    "ContentSize": None,
                    "VersionNumber": "1",
                    "IsLatest": True,
                    "VersionData": None,
                    **file_stamps,
                },
            )
            internal_url = None
            content_version = file_record["Id"]
        self.org._file_specs[file_record["Id"]] = spec
        self.org._document_specs[document_id] = spec
        record = {
            "Id": document_id,
            "Name": file_name,
            "TR1__Contact__c": plan.contact["Id"],
            "TR1__Type__c": plan.kind,
            "TR1__isDefault__c": plan.default,
            "TR1__Version__c": float(plan.version),
            "TR1__Internal_URL__c": internal_url,
            "TR1__ContentVersionId__c": content_version,
            "IsDeleted": False,
            **audit,
        }
        self.org.tables["TR1__ContactDocument__c"][document_id] = record


def _job_description(rng: random.Random, title: str, account: Record | None, city: str | None) -> str:
    """A client job description in the HTML a rich text field holds."""
    work = FIELDS_OF_WORK[rng.choice(sorted(FIELDS_OF_WORK))]
    duties = [
        bullet.format(client="our clients", amount=rng.randint(5, 300), team=rng.randint(2, 9))
        for bullet in rng.sample(work["bullets"], k=3)
    ]
    employer = html.escape(account["Name"]) if account else "Our client"
    where = f" in {html.escape(city)}" if city else ""
    perks = "<br>".join(html.escape(perk) for perk in rng.sample(JOB_PERKS, k=2))
    items = "".join(f"<li>{html.escape(duty)}</li>" for duty in duties)
    return (
        f"<p><b>{employer}</b> is hiring a <b>{html.escape(title)}</b>{where}.</p>"
        f"<p>What you will do:</p><ul>{items}</ul>"
        f"<p>What we offer:<br>{perks}</p>"
        "<p>Apply today &amp; join a team that values difference – candidatures en français bienvenues.</p>"
    )
