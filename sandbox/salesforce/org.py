"""A generated Talent Rover org: accounts, contacts, jobs, résumé documents and their files.

``generate_org`` is deterministic for the same arguments. Records are plain
dicts of Python values (datetimes are UTC-aware); a job's ``TR1__Account__r``
and a document's ``TR1__Contact__r`` are the related records themselves, so
relationship paths read through them. File bodies are rendered on request.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.salesforce.documents import CONTENT_TYPES, render

Record = dict[str, Any]

_STAMPS = ["CreatedDate", "LastModifiedDate", "SystemModstamp", "IsDeleted"]
SCHEMA: dict[str, list[str]] = {
    "Account": ["Id", "Name", "BillingCity", *_STAMPS],
    "Contact": [
        "Id", "FirstName", "LastName", "Email", "Phone", "Title", "LeadSource", "MailingCity", "MailingState",
        "MailingCountry", "AccountId", "TR1__Candidate_Status__c", *_STAMPS,
    ],
    "TR1__Job__c": [
        "Id", "Name", "TR1__Status__c", "TR1__Client_Job_Description__c", "TR1__Account__c", "TR1__City__c",
        "TR1__State_Area__c", *_STAMPS,
    ],
    "TR1__ContactDocument__c": [
        "Id", "Name", "TR1__Contact__c", "TR1__Type__c", "TR1__isDefault__c", "TR1__Version__c",
        "TR1__Internal_URL__c", "TR1__ContentVersionId__c", *_STAMPS,
    ],
    "Attachment": ["Id", "ParentId", "Name", "ContentType", *_STAMPS],
    "ContentVersion": ["Id", "Title", "PathOnClient", "FileExtension", *_STAMPS],
}  # fmt: skip
RELATIONSHIPS: dict[str, dict[str, str]] = {
    "Contact": {"Account": "Account"},
    "TR1__Job__c": {"TR1__Account__r": "Account"},
    "TR1__ContactDocument__c": {"TR1__Contact__r": "Contact"},
}
ID_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "TR1__Job__c": "a0J",
    "TR1__ContactDocument__c": "a0C",
    "Attachment": "00P",
    "ContentVersion": "068",
}
# Where a record's relationship field gets its related record from.
_LOOKUPS = {
    "Contact": [("AccountId", "Account", "Account")],
    "TR1__Job__c": [("TR1__Account__c", "TR1__Account__r", "Account")],
    "TR1__ContactDocument__c": [("TR1__Contact__c", "TR1__Contact__r", "Contact")],
}

FIRST_NAMES = [
    "Olivia", "James", "Amelia", "Oliver", "Zoë", "Łukasz", "José", "François", "Søren", "Siobhán", "Ólafur",
    "Aisha", "Chen", "Priya", "Mateo", "Hannah", "Noah", "Émilie", "Jürgen", "Małgorzata", "Björn", "Ana",
    "Thomas", "Grace", "Rhys", "Yusuf", "Ingrid", "Dmitri", "Leila", "Connor",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Jones", "Müller", "Ñúñez", "O'Brien", "Kowalski", "Nakamura", "García", "Dubois", "Andersen",
    "Okafor", "Patel", "Williams", "Brown", "Ó Súilleabháin", "Wiśniewska", "Rossi", "Schäfer", "Lindqvist",
    "Taylor", "Evans", "Hughes", "Fernández", "Novák", "Van der Berg",
]  # fmt: skip
TITLES = [
    "Senior Associate", "Corporate Solicitor", "Paralegal", "Legal Counsel", "Financial Analyst",
    "Software Engineer", "Data Engineer", "Compliance Officer", "Trainee Solicitor", "Partner",
    "Litigation Associate", "Tax Manager", "Conveyancer", "Risk Analyst", "Product Manager",
]  # fmt: skip
JOB_TITLES = [
    "Senior Associate – Corporate M&A", "Employment Lawyer (NQ–3 PQE)", "Banking & Finance Associate",
    "Commercial Property Solicitor", "In-house Legal Counsel", "Data Engineer – Airflow",
    "Compliance Manager", "Private Client Paralegal", "Tax Associate", "Litigation Partner",
]  # fmt: skip
CITIES = [
    ("London", "England", "United Kingdom"), ("Manchester", "England", "United Kingdom"),
    ("Dublin", "Leinster", "Ireland"), ("Kraków", "Małopolska", "Poland"), ("München", "Bayern", "Germany"),
    ("New York", "NY", "United States"), ("Zürich", "ZH", "Switzerland"), ("São Paulo", "SP", "Brazil"),
]  # fmt: skip
ACCOUNTS = [
    "Société Générale", "Müller & Söhne GmbH", "Łódź Legal sp. z o.o.", "Fieldstone LLP", "Harrow & Vane",
    "Northwind Capital", "Blackfriars Chambers", "Contoso Bank", "Åkerlund Advokatbyrå", "Quill & Partners",
]  # fmt: skip
SKILLS = [
    "M&A", "due diligence", "contract drafting", "GDPR", "litigation", "employment law", "Python", "SQL",
    "financial modelling", "negotiation", "Salesforce", "conveyancing", "FCA regulation", "Airflow",
]  # fmt: skip
SOURCES = ["LinkedIn", "Referral", "Job Board", "Website", "Agency"]
STATUSES = [("Active", 55), ("Passive", 25), ("Placed", 20)]
JOB_STATUSES = [("Open", 60), ("Hold", 15), ("Closed", 25)]
FILE_FORMATS = ["pdf", "docx", "txt", "html"]


@dataclass
class Org:
    """The org's tables (object name → Id → record) and what renders its files."""

    seed: int
    tables: dict[str, dict[str, Record]] = field(default_factory=lambda: {name: {} for name in SCHEMA})
    lock: threading.RLock = field(default_factory=threading.RLock)
    _counters: dict[str, int] = field(default_factory=dict)

    def new_id(self, sobject: str) -> str:
        """Return a fresh 18-character id with the object's key prefix."""
        number = self._counters.get(sobject, 0) + 1
        self._counters[sobject] = number
        return f"{ID_PREFIXES[sobject]}{self.seed % 100:02d}{number:010d}AAA"

    def add(self, sobject: str, record: Record) -> Record:
        """Insert a record, linking its relationship fields to the related records."""
        record.setdefault("Id", self.new_id(sobject))
        record.setdefault("IsDeleted", False)
        for name in SCHEMA[sobject]:
            record.setdefault(name, None)
        self.link(sobject, record)
        self.tables[sobject][record["Id"]] = record
        return record

    def link(self, sobject: str, record: Record) -> None:
        """Point relationship fields (``TR1__Account__r``) at the records their ids name."""
        for id_field, relationship, target in _LOOKUPS.get(sobject, []):
            record[relationship] = self.tables[target].get(record.get(id_field) or "")

    def resume_lines(self, document_id: str) -> list[str]:
        """The text a résumé document's file was made from, line by line."""
        document = self.tables["TR1__ContactDocument__c"][document_id]
        contact = self.tables["Contact"][document["TR1__Contact__c"]]
        return _resume_lines(random.Random(f"{self.seed}:{document_id}"), contact, document)

    def resume_text(self, document_id: str) -> str:
        """The text a résumé document's file was made from."""
        return "\n".join(self.resume_lines(document_id))

    def file(self, sobject: str, file_id: str) -> tuple[bytes, str] | None:
        """Render an Attachment body or ContentVersion data: (bytes, content type), or None."""
        record = self.tables.get(sobject, {}).get(file_id)
        if record is None or record["IsDeleted"]:
            return None
        file_format = record["_format"]
        lines = self.resume_lines(record["_document"])
        encoding = "cp1252" if file_format == "txt" and int(file_id[-7:-3]) % 3 == 0 else "utf-8"
        return render(lines, file_format, encoding=encoding), CONTENT_TYPES[file_format]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in weighted], weights=[weight for _, weight in weighted])[0]


def _maybe(rng: random.Random, value: Any, chance: float = 0.85) -> Any:
    """Return the value, or None: real orgs have gaps."""
    return value if rng.random() < chance else None


def _stamps(rng: random.Random, anchor: datetime, spread: timedelta) -> Record:
    modstamp = anchor - timedelta(milliseconds=rng.randrange(1, int(spread.total_seconds() * 1000)))
    modified = modstamp - timedelta(seconds=rng.choice([0, 0, 0, 2, 30]))
    created = modified - timedelta(days=rng.randrange(0, 700), seconds=rng.randrange(86400))
    return {"CreatedDate": created, "LastModifiedDate": modified, "SystemModstamp": modstamp}


def _html_description(rng: random.Random, title: str, city: str | None) -> str:
    duties = rng.sample(SKILLS, 3)
    where = f" in {city}" if city else ""
    return (
        f"<p>We are hiring a <b>{title}</b>{where} &amp; growing fast.</p>"
        f"<p>You will:</p><ul>{''.join(f'<li>Lead on {duty}</li>' for duty in duties)}</ul>"
        "<p>Salary: competitive | hybrid working<br>Apply today – équipe internationale.</p>"
    )


def _resume_lines(rng: random.Random, contact: Record, document: Record) -> list[str]:
    name = f"{contact['FirstName'] or ''} {contact['LastName']}".strip()
    title = contact["Title"] or "Professional"
    city = contact["MailingCity"] or "Remote"
    years, strengths = rng.randrange(2, 25), ", ".join(rng.sample(SKILLS, 2))
    lines = [
        name,
        f"{title} · {city}",
        f"Summary: {title} with {years} years of experience in {strengths}.",
        f"Skills: {', '.join(rng.sample(SKILLS, 5))}",
        "Experience",
    ]
    for _ in range(rng.choice([2, 3, 4, 40])):  # some résumés run to several pages
        lines.append(f"{rng.choice(TITLES)}, {rng.choice(ACCOUNTS)} ({rng.randrange(2000, 2026)})")
        lines.extend(f"- Delivered {skill} work for key clients" for skill in rng.sample(SKILLS, 2))
    lines += [
        "Education",
        f"LLB Law, University of {rng.choice(CITIES)[0]}",
        f"Version {int(document['TR1__Version__c'])}",
    ]
    return lines


def generate_org(
    candidates: int, *, seed: int = 7, anchor: datetime, spread: timedelta = timedelta(hours=72)
) -> Org:
    """Generate a realistic org: ``candidates`` candidates plus clients, jobs and résumé documents.

    Every record's ``SystemModstamp`` lies in ``[anchor - spread, anchor)``.
    """
    if anchor.tzinfo is None:
        raise ValueError("anchor must be timezone-aware")
    anchor = anchor.astimezone(UTC)
    rng = random.Random(seed)
    org = Org(seed=seed)
    accounts = [
        org.add("Account", {"Name": name, "BillingCity": city[0], **_stamps(rng, anchor, spread)})
        for name, city in zip(
            ACCOUNTS * (1 + candidates // 200), CITIES * (1 + candidates // 20), strict=False
        )
    ][: max(len(ACCOUNTS), candidates // 20)]

    kinds = (
        ["candidate"] * candidates + ["client"] * (candidates // 5) + ["not applicable"] * (candidates // 20)
    )
    rng.shuffle(kinds)
    for kind in kinds:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city = rng.choice(CITIES) if rng.random() < 0.85 else (None, None, None)
        status = {"candidate": _pick(rng, STATUSES), "client": None, "not applicable": "Not Applicable"}[kind]
        contact = org.add(
            "Contact",
            {
                "FirstName": _maybe(rng, first, 0.97),
                "LastName": last,
                "Email": f"{first[0].lower()}.{rng.randrange(10**6)}@example.com",
                "Phone": _maybe(rng, f"+44 20 7{rng.randrange(10**6):06d}"),
                "Title": _maybe(rng, rng.choice(TITLES)),
                "LeadSource": _maybe(rng, rng.choice(SOURCES), 0.7),
                "MailingCity": city[0],
                "MailingState": city[1],
                "MailingCountry": city[2],
                "AccountId": rng.choice(accounts)["Id"] if kind == "client" else None,
                "TR1__Candidate_Status__c": status,
                **_stamps(rng, anchor, spread),
            },
        )
        if kind == "candidate":
            _add_documents(org, rng, contact, anchor, spread)

    for _ in range(candidates // 10 + 3):
        city = rng.choice(CITIES) if rng.random() < 0.8 else (None, None, None)
        title = rng.choice(JOB_TITLES)
        org.add(
            "TR1__Job__c",
            {
                "Name": title,
                "TR1__Status__c": _pick(rng, JOB_STATUSES),
                "TR1__Client_Job_Description__c": _maybe(rng, _html_description(rng, title, city[0])),
                "TR1__Account__c": rng.choice(accounts)["Id"],
                "TR1__City__c": city[0],
                "TR1__State_Area__c": city[1],
                **_stamps(rng, anchor, spread),
            },
        )
    return org


def _add_documents(
    org: Org, rng: random.Random, contact: Record, anchor: datetime, spread: timedelta
) -> None:
    """Give a candidate its documents: ~80% a résumé (sometimes several versions), some a cover letter."""
    roll = rng.random()
    versions = 0 if roll < 0.2 else 1 if roll < 0.65 else 2 if roll < 0.9 else 3
    default_version = versions if rng.random() < 0.85 else None  # sometimes no document is the default
    for version in range(1, versions + 1):
        is_default = version == default_version
        _add_document(
            org,
            rng,
            contact,
            kind="Resume",
            version=version,
            default=is_default,
            anchor=anchor,
            spread=spread,
        )
    if rng.random() < 0.25:
        _add_document(
            org, rng, contact, kind="Cover Letter", version=1, default=False, anchor=anchor, spread=spread
        )


def _add_document(
    org: Org,
    rng: random.Random,
    contact: Record,
    *,
    kind: str,
    version: int,
    default: bool,
    anchor: datetime,
    spread: timedelta,
) -> None:
    stamps = _stamps(rng, anchor, spread)
    file_format = rng.choice(FILE_FORMATS)
    document = org.add(
        "TR1__ContactDocument__c",
        {
            "Name": f"{kind} v{version}.{file_format}",
            "TR1__Contact__c": contact["Id"],
            "TR1__Type__c": kind,
            "TR1__isDefault__c": default,
            "TR1__Version__c": float(version),
            **stamps,
        },
    )
    if rng.random() < 0.5:
        attachment = org.add(
            "Attachment",
            {
                "ParentId": document["Id"],
                "Name": document["Name"],
                "ContentType": CONTENT_TYPES[file_format],
                "_format": file_format,
                "_document": document["Id"],
                **stamps,
            },
        )
        document["TR1__Internal_URL__c"] = f"/servlet/servlet.FileDownload?file={attachment['Id']}"
    else:
        content_version = org.add(
            "ContentVersion",
            {
                "Title": document["Name"],
                "PathOnClient": document["Name"],
                "FileExtension": file_format,
                "_format": file_format,
                "_document": document["Id"],
                **stamps,
            },
        )
        document["TR1__ContentVersionId__c"] = content_version["Id"]
