"""What can go wrong talking to Salesforce, as exceptions the sync tells apart.

The hook in ``plugins/`` raises them; the sync in ``include/talent_rover``
handles them (splitting a window on ``QueryTimeout``), so they live here, where
both can import them.
"""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowException


class SalesforceApiError(AirflowException):
    """A Salesforce error response, in its list-of-errors shape."""

    def __init__(self, status: int, error_code: str, message: str, route: str) -> None:
        super().__init__(f"Salesforce {route} answered HTTP {status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.route = route


class QueryTimeout(SalesforceApiError):
    """``QUERY_TIMEOUT``: the query ran too long; a narrower window may not."""


class MalformedResponse(AirflowException):
    """A Salesforce answer that is not what the API promises (bad JSON, no records, a short page)."""
