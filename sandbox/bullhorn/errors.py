"""Bullhorn's error shapes: REST errors and OAuth errors."""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.web import Response, json_response


class BullhornError(Exception):
    """A REST error, answered as ``{"errorMessage", "errorMessageKey", "errorCode"}`` (plus ``errors``)."""

    def __init__(
        self, status: int, message: str, key: str, *, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.key = key
        self.errors = errors

    def response(self) -> Response:
        """The error as a response."""
        body: dict[str, Any] = {
            "errorMessage": self.message,
            "errorMessageKey": self.key,
            "errorCode": self.status,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        return json_response(self.status, body)


def oauth_error(status: int, error: str, description: str) -> Response:
    """An OAuth error, as Bullhorn's auth server answers it."""
    headers = {"Cache-Control": "no-store"}
    return json_response(status, {"error": error, "error_description": description}, headers=headers)


def bad_request(message: str) -> BullhornError:
    """A 400 for a malformed parameter (a where clause, a field list, a number)."""
    return BullhornError(400, message, "errors.badRequest")


def not_found(entity: str, record_id: object) -> BullhornError:
    """A 404 for an id the entity does not have."""
    return BullhornError(
        404, f"Cannot find entity of type {entity} with id {record_id}", "errors.cannotFindEntity"
    )


def persist_error(entity: str, errors: list[dict[str, Any]]) -> BullhornError:
    """A 400 for a create or update whose values Bullhorn refuses, one entry per property."""
    return BullhornError(
        400, f"error persisting an entity of type: {entity}", "errors.cannotPersistEntity", errors=errors
    )
