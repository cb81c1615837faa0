"""A small client for the sandbox Recruit AI's inspection routes (demo and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests


class RecruitAiSandboxClient:
    """Read what the sandbox Recruit AI holds, and empty it."""

    def __init__(self, base_url: str, api_key: str, ca_bundle: Path) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["token"] = api_key
        self.ca_bundle = str(ca_bundle)

    def _call(self, method: str, route: str) -> Any:
        response = self.session.request(
            method, f"{self.base_url}/sandbox/{route}", verify=self.ca_bundle, timeout=30
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def candidates(self) -> list[dict[str, Any]]:
        """Every stored candidate."""
        return self._call("GET", "candidates")

    def positions(self) -> list[dict[str, Any]]:
        """Every stored position."""
        return self._call("GET", "positions")

    def candidate(self, candidate_id: str) -> dict[str, Any] | None:
        """One candidate by CandidateID, or None."""
        return self._call("GET", f"candidates/{candidate_id}")

    def position(self, position_id: str) -> dict[str, Any] | None:
        """One position by PositionID, or None."""
        return self._call("GET", f"positions/{position_id}")

    def stats(self) -> dict[str, Any]:
        """Record counts and requests by route and status."""
        return self._call("GET", "stats")

    def reset(self) -> None:
        """Empty the store and the stats."""
        self._call("POST", "reset")
