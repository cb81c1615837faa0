"""The sandbox Recruit AI answers like its contract says: token, form bodies, 400/401/413, upsert."""

from __future__ import annotations

from typing import Any

import pytest
import requests


@pytest.fixture
def post(services: Any) -> Any:
    def send(route: str, body: Any, *, token: str | None = None, **kwargs: Any) -> requests.Response:
        return requests.post(
            f"{services.recruit_ai_url}{route}",
            data=body,
            headers={"token": services.recruit_ai_api_key if token is None else token},
            verify=services.tls.ca_bundle,
            timeout=10,
            **kwargs,
        )

    send("/sandbox/reset", b"")
    return send


def test_unknown_key_is_401(post: Any) -> None:
    response = post("/public/candidate", {"CandidateID": "c1"}, token="nope")
    assert response.status_code == 401
    assert set(response.json()) == {"error", "message"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"CandidateID": "c1", "InternalID": "c1"}, "LastModifiedDate"),
        ({"CandidateID": "1", "InternalID": "1", "LastModifiedDate": "2026-11-02T09:00:00Z"}, "'c'"),
        ({"CandidateID": "c1", "InternalID": "c2", "LastModifiedDate": "2026-11-02T09:00:00Z"}, "InternalID"),
        ({"CandidateID": "c1", "InternalID": "c1", "LastModifiedDate": "soon"}, "ISO 8601"),
        (
            {
                "CandidateID": "c1",
                "InternalID": "c1",
                "LastModifiedDate": "2026-11-02T09:00:00Z",
                "Attributes": "[1]",
            },
            "JSON object",
        ),
    ],
)
def test_invalid_records_are_400_with_a_message(post: Any, body: dict[str, str], message: str) -> None:
    response = post("/public/candidate", body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_record"
    assert message in response.json()["message"]


def test_json_bodies_are_refused(post: Any, services: Any) -> None:
    response = requests.post(
        f"{services.recruit_ai_url}/public/position",
        json={"PositionID": "p1"},
        headers={"token": services.recruit_ai_api_key},
        verify=services.tls.ca_bundle,
        timeout=10,
    )
    assert response.status_code == 400
    assert "x-www-form-urlencoded" in response.json()["message"]


def test_upsert_and_inspection(post: Any, services: Any) -> None:
    body = {
        "PositionID": "p9",
        "InternalID": "p9",
        "LastModifiedDate": "2026-11-02T09:00:00Z",
        "JobTitle": "Tax",
    }
    assert post("/public/position", body).json() == {"status": "stored", "created": True}
    assert post("/public/position", {**body, "JobTitle": "Tax Associate"}).json()["created"] is False
    inspect = requests.get(
        f"{services.recruit_ai_url}/sandbox/positions/p9",
        headers={"token": services.recruit_ai_api_key},
        verify=services.tls.ca_bundle,
        timeout=10,
    ).json()
    assert inspect["JobTitle"] == "Tax Associate"
    assert inspect["post_count"] == 2
