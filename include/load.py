"""Loading staged payloads into Recruit AI, and counting what happened to each.

The poster (``RecruitAiHook.post_records``) is passed in: this module decides
what is counted and reported, the hook decides how records travel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal, Protocol, TypedDict

from include.posted_ledger import PostedLedger
from include.rejects import Reject, reject

log = logging.getLogger(__name__)


class Outcome(Protocol):
    """What happened to one posted record (``recruit_ai_hook.PostOutcome``): id, status, reason, created."""

    @property
    def record_id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def reason(self) -> str: ...

    @property
    def created(self) -> bool | None: ...


# What Recruit AI stores: the kind names its routes (/public/candidate, /public/position).
RecordKind = Literal["candidate", "position"]
PostRecords = Callable[[RecordKind, Iterable[Mapping[str, str]]], Iterator[Outcome]]


# The field of a payload that holds its Recruit AI id, by kind.
ID_FIELDS: dict[str, str] = {"candidate": "CandidateID", "position": "PositionID"}


class Loaded(TypedDict):
    """What posting one stream of payloads did."""

    posted: int
    created: int
    updated: int
    unchanged: int
    stale: int
    rejected: int
    failed: int


def load_payloads(
    post_records: PostRecords,
    kind: RecordKind,
    payloads: Iterable[Mapping[str, Any]],
    refused: list[Reject],
    ledger: PostedLedger | None = None,
) -> Loaded:
    """Post a stream of payloads of one kind ("candidate" or "position") and count the outcomes.

    The stream is consumed as the poster asks for more, so payloads may still be
    in the making (résumés downloading) while the first ones are posted. With a
    ``ledger``, payloads Recruit AI already holds (``unchanged``) or holds a newer
    version of (``stale``) are not posted, and what is stored is recorded.
    Records Recruit AI refuses (4xx) and records that still failed after the
    poster's retries are added to ``refused`` with the reason.
    """
    loaded = Loaded(posted=0, created=0, updated=0, unchanged=0, stale=0, rejected=0, failed=0)
    in_flight: dict[str, Mapping[str, Any]] = {}  # id → payload, until its outcome (at most those in flight)

    def to_post() -> Iterator[Mapping[str, Any]]:
        for payload in payloads:
            if ledger is not None:
                record_id = str(payload.get(ID_FIELDS[kind], ""))
                verdict = ledger.verdict(record_id, payload)
                if verdict != "post":
                    loaded[verdict] += 1
                    continue
                in_flight[record_id] = payload
            yield payload

    for outcome in post_records(kind, to_post()):
        stored = in_flight.pop(outcome.record_id, None)
        if outcome.status == "posted":
            loaded["posted"] += 1
            loaded["created" if outcome.created else "updated"] += 1
            if ledger is not None and stored is not None:
                ledger.record(outcome.record_id, stored)
        else:
            loaded["rejected" if outcome.status == "rejected" else "failed"] += 1
            refused.append(reject(outcome.record_id, kind, "load", outcome.reason))
    log.info(
        "Recruit AI %ss: %d posted (%d new, %d replaced), %d unchanged and %d stale not sent, "
        "%d rejected, %d failed",
        kind,
        loaded["posted"],
        loaded["created"],
        loaded["updated"],
        loaded["unchanged"],
        loaded["stale"],
        loaded["rejected"],
        loaded["failed"],
    )
    return loaded
