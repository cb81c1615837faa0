"""TLS: verification is never switched off, and an untrusted certificate fails at once, naming the fix.

Each hook talks to its sandbox service over real HTTPS, with ``REQUESTS_CA_BUNDLE``
pointing at certifi's public CAs instead of the sandbox's private one.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import certifi
import pytest
from airflow.sdk.exceptions import AirflowException

from bullhorn_hook import BullhornError, BullhornHook
from recruit_ai_hook import RecruitAiHook
from talent_rover_hook import TalentRoverHook

PROJECT = Path(__file__).resolve().parents[2]
# Long enough for one refused handshake; far shorter than the hooks' retries with backoff.
AT_ONCE_SECONDS = 5.0


class _NoRefreshToken:
    """A refresh-token store that starts empty and keeps what it is given, in memory."""

    def __init__(self) -> None:
        self.value: str | None = None

    def get(self) -> str | None:
        return self.value

    def set(self, token: str) -> None:
        self.value = token


@pytest.fixture
def public_cas_only(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust only certifi's public CAs: the sandbox's private CA is no longer trusted."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())


def _talent_rover() -> None:
    TalentRoverHook().api_usage()


def _recruit_ai() -> None:
    RecruitAiHook().post_record("candidate", {"CandidateID": "c1", "LastName": "Test"})


def _bullhorn() -> None:
    BullhornHook(refresh_tokens=_NoRefreshToken()).options("Country")


@pytest.mark.parametrize(
    ("call", "error", "service"),
    [
        (_talent_rover, AirflowException, "Salesforce"),
        (_recruit_ai, AirflowException, "Recruit AI"),
        (_bullhorn, BullhornError, "Bullhorn"),
    ],
    ids=["talent_rover", "recruit_ai", "bullhorn"],
)
@pytest.mark.usefixtures("public_cas_only")
def test_an_untrusted_certificate_fails_at_once_naming_requests_ca_bundle(
    call: Any, error: type[Exception], service: str
) -> None:
    started = time.monotonic()
    with pytest.raises(error) as raised:
        call()
    elapsed = time.monotonic() - started

    message = str(raised.value)
    assert "REQUESTS_CA_BUNDLE" in message
    assert message.startswith(f"{service} at https://127.0.0.1:")
    assert "certificate" in message
    assert elapsed < AT_ONCE_SECONDS, "a refused certificate is not transient: no retries"


def test_the_sandbox_ca_trusted_again_the_same_calls_succeed(services: Any) -> None:
    """The failures above come from trust alone: with the sandbox CA trusted, each call works."""
    _talent_rover()
    _bullhorn()


# Ways to switch verification off: requests' verify, the ssl module's, and the environment's.
# Spelled from parts, so that this file (and any scanner of the repository) never holds
# one of the switches it looks for.
_OFF = "Fal" + "se"
_VERIFY_OFF = re.compile(
    "|".join(
        [
            rf"verify\s*=\s*{_OFF}",
            rf"[\"']verify[\"']\s*:\s*{_OFF}",
            "CERT_" + "NONE",
            rf"check_hostname\s*=\s*{_OFF}",
            "_create_" + "unverified_context",
            r"PYTHONHTTPSVERIFY\s*[=:]\s*[\"']?0",
        ]
    ),
    re.IGNORECASE,
)
# The code and everything that configures where it runs; tests are left out (they check refusals).
_SCANNED = ("dags/**/*.py", "include/**/*.py", "plugins/**/*.py", "sandbox/**/*.py", "*.yaml", "Dockerfile")


def test_no_code_or_configuration_switches_certificate_verification_off() -> None:
    offenders = [
        f"{path.relative_to(PROJECT)}:{number}"
        for pattern in _SCANNED
        for path in sorted(PROJECT.glob(pattern))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _VERIFY_OFF.search(line)
    ]
    assert offenders == []
    assert any(PROJECT.glob("plugins/**/*.py")), "the scan must see the hooks"
