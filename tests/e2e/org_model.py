"""What Recruit AI should hold after a window is synced, worked out from the sandbox org's own tables.

This is an independent model of the sync's rules (which contacts are candidates,
which records a window holds, which become tombstones, which résumé is
current), written without the sync's SOQL or mapping code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

NOT_A_CANDIDATE = "Not Applicable"


@dataclass
class Expected:
    """The ids a window should bring to Recruit AI, by what should happen to them."""

    with_resume: set[str] = field(default_factory=set)  # candidates posted with résumé text
    without_resume: set[str] = field(default_factory=set)  # candidates skipped for want of one
    candidate_tombstones: set[str] = field(default_factory=set)
    positions: set[str] = field(default_factory=set)  # posted as they are
    position_tombstones: set[str] = field(default_factory=set)
    resume_documents_changed: bool = False
    related_candidates: set[str] = field(default_factory=set)  # brought in by a résumé change only

    @property
    def candidates(self) -> set[str]:
        """Every candidate id the window holds."""
        return self.with_resume | self.without_resume | self.candidate_tombstones


def current_resume_versions(org: Any) -> dict[str, int]:
    """Contact id → version of its current résumé (default first, then highest version)."""
    best: dict[str, tuple[bool, float]] = {}
    for document in org.tables["TR1__ContactDocument__c"].values():
        if document["TR1__Type__c"] != "Resume" or document["IsDeleted"]:
            continue
        rank = (bool(document["TR1__isDefault__c"]), float(document["TR1__Version__c"]))
        contact = document["TR1__Contact__c"]
        if contact not in best or rank > best[contact]:
            best[contact] = rank
    return {contact: int(rank[1]) for contact, rank in best.items()}


def expected(org: Any, start: datetime, end: datetime) -> Expected:
    """What a window ``[start, end)`` brings, deleted records included."""
    result = Expected()
    resumes = current_resume_versions(org)
    changed_documents = {
        document["TR1__Contact__c"]
        for document in org.tables["TR1__ContactDocument__c"].values()
        if document["TR1__Type__c"] == "Resume" and start <= document["SystemModstamp"] < end
    }
    result.resume_documents_changed = bool(changed_documents)
    for contact_id, contact in org.tables["Contact"].items():
        status = contact["TR1__Candidate_Status__c"]
        in_window = start <= contact["SystemModstamp"] < end
        if status is None or not (in_window or contact_id in changed_documents):
            continue
        if not in_window:
            result.related_candidates.add(contact_id)
        if contact["IsDeleted"] or status == NOT_A_CANDIDATE:
            result.candidate_tombstones.add(contact_id)
        elif contact_id in resumes:
            result.with_resume.add(contact_id)
        else:
            result.without_resume.add(contact_id)
    for job_id, job in org.tables["TR1__Job__c"].items():
        if start <= job["SystemModstamp"] < end:
            (result.position_tombstones if job["IsDeleted"] else result.positions).add(job_id)
    return result


def salesforce_calls(org: Any, start: datetime, end: datetime) -> int:
    """The Salesforce API calls a window of modest size costs, at the floor.

    /limits, one page of jobs, one page of changed résumé documents, one query
    for the contacts they belong to (when any changed), one page of contacts,
    one résumé-document lookup per staged page of candidates needing a résumé
    (the contacts brought in by résumé changes, then the others), and one
    download per current résumé.
    """
    window = expected(org, start, end)
    needing = window.with_resume | window.without_resume
    pages_needing_resumes = bool(needing & window.related_candidates) + bool(
        needing - window.related_candidates
    )
    return 4 + window.resume_documents_changed + pages_needing_resumes + len(window.with_resume)
