"""The error a Bot API call answers with, in Telegram's exact shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ApiError(Exception):
    """A refusal: HTTP status plus Telegram's own description.

    Serialised as ``{"ok": false, "error_code": status, "description": ...}``
    (plus ``"parameters"`` for 429 ``retry_after`` or a migrated chat).
    """

    status: int
    description: str
    parameters: dict[str, Any] | None = field(default=None)

    def __str__(self) -> str:
        return f"{self.status} {self.description}"

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")
