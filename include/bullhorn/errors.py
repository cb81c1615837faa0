"""What can go wrong talking to Bullhorn, as exceptions the sync tells apart.

The hook in ``plugins/`` raises them and the Bullhorn sync handles them, so they
live here, where both can import them. Messages carry statuses, Bullhorn's error
keys and its messages: never tokens, passwords or candidate data.
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException


class BullhornError(AirflowException):
    """Anything Bullhorn-specific that went wrong."""


class BullhornApiError(BullhornError):
    """A REST error answer: ``{"errorMessage", "errorCode", "errorMessageKey", "errors": [...]}``."""

    def __init__(self, status: int, key: str, message: str, route: str) -> None:
        super().__init__(f"Bullhorn {route} answered HTTP {status} {key}: {message}")
        self.status = status
        self.key = key
        self.message = message
        self.route = route


class BullhornAuthError(BullhornError):
    """Bullhorn refused to log in: OAuth's ``error``/``error_description``, or refused credentials."""

    def __init__(self, conn_id: str, error: str, description: str, step: str) -> None:
        super().__init__(f"Bullhorn login for connection '{conn_id}' failed at {step}: {error} {description}")
        self.conn_id = conn_id
        self.error = error
        self.description = description
        self.step = step


class MalformedResponse(BullhornError):
    """A Bullhorn answer that is not what the API promises (not JSON, no ``data`` list)."""


class UnsupportedFileType(BullhornError, ValueError):
    """A file Bullhorn's candidate portal does not take (only text, HTML, PDF, DOC and DOCX)."""
