"""Bullhorn: what the hook and the sync share (a call budget, where the refresh token lives).

Bullhorn sends no usage header (unlike Salesforce's ``Sforce-Limit-Info``); its
limits are calls per minute (a 429, which the hook waits out) and calls per
month. So what a run can control is how many calls it makes: a ``CallBudget``
is checked before each one and raises ``ApiLimitReached`` (the same exception
the Talent Rover sync stops on) when the run's share is spent.

A Bullhorn refresh token is single-use: once exchanged it is dead, and the
answer carries the next one. The newest must therefore outlive the task, so the
next task or run logs in with it rather than with the password. A
``RefreshTokenStore`` keeps it; ``VariableRefreshTokenStore`` keeps it in an
Airflow Variable (Fernet-encrypted at rest, masked because its key holds "token").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from airflow.sdk import Variable
from airflow.sdk.log import mask_secret

from include.api_limit import ApiLimitReached

__all__ = ["ApiLimitReached", "CallBudget", "MaxCalls", "RefreshTokenStore", "VariableRefreshTokenStore"]


class CallBudget(Protocol):
    """Decides, before each call, whether one more Bullhorn call may be made."""

    def check(self, calls_made: int) -> None:
        """Raise ``ApiLimitReached`` if one more call would go past the budget."""


@dataclass(frozen=True)
class MaxCalls:
    """A run's cap on Bullhorn calls: at most ``max_calls`` per hook."""

    max_calls: int

    def check(self, calls_made: int) -> None:
        """Raise ``ApiLimitReached`` once ``max_calls`` calls have been made."""
        if calls_made >= self.max_calls:
            raise ApiLimitReached(f"this run's Bullhorn call budget is spent ({self.max_calls} calls)")


class RefreshTokenStore(Protocol):
    """Where the newest Bullhorn refresh token is kept between tasks and runs."""

    def get(self) -> str | None:
        """Return the newest refresh token, or None when there is none yet."""

    def set(self, refresh_token: str) -> None:
        """Keep ``refresh_token`` as the newest, replacing the one just used up."""


class VariableRefreshTokenStore:
    """Keep the refresh token in the Airflow Variable ``{conn_id}.refresh_token``.

    Works inside a running task (Variables are written through the task's supervisor).
    """

    def __init__(self, conn_id: str) -> None:
        self.key = f"{conn_id}.refresh_token"

    def get(self) -> str | None:
        """Return the stored refresh token, or None when the Variable is not set or empty."""
        value = Variable.get(self.key, default=None)
        if not value:
            return None
        mask_secret(value)
        return str(value)

    def set(self, refresh_token: str) -> None:
        """Store ``refresh_token`` in the Variable."""
        mask_secret(refresh_token)
        Variable.set(self.key, refresh_token, description="Bullhorn's newest single-use refresh token")
