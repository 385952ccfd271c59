"""Checks what the sandbox itself answers against the Bot API reference."""

from __future__ import annotations

from typing import Any

from sandbox.checker_values import shape_violations
from sandbox.spec import load_spec


def _python_kind(value: Any) -> str:
    return type(value).__name__


def check_result(method: str, result: Any) -> list[str]:
    """Violations in a method's ``result`` (empty when it is what Telegram would send).

    Checks required fields, field types recursively, unknown fields and nulls
    (Telegram omits an absent optional field rather than sending null).
    """
    spec = load_spec()
    method_spec = spec.method(method)
    if method_spec is None:
        return [f"{method}: not a Bot API method"]
    name = method_spec.name
    returns = method_spec.returns
    # The reference's "Returns True on success" is scraped as Boolean:
    # Telegram then always answers the literal true.
    if returns == ("Boolean",):
        if result is True:
            return []
        return [f"{name} result: expected True, got {result!r}"]
    attempts = [
        [f"{name} {v}" for v in shape_violations(spec, type_name, result, "result", _python_kind)]
        for type_name in returns
    ]
    if any(not found for found in attempts):
        return []
    return min(attempts, key=len)
