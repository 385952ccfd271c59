"""Reading a Bot API request off the wire, and checking it against the reference.

Telegram accepts the same parameters as a query string, a form, JSON or
multipart; file parts of a multipart body become `Upload`s.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.checker import CheckedRequest, Upload, check_request, check_result
from sandbox.errors import bad_request

__all__ = ["CheckedRequest", "Upload", "check_request", "check_result", "read_raw"]


async def read_raw(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """The parameters (as sent) and the uploaded files of one Bot API request."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return raw, files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            # Unconfirmed wording: what cloud Telegram answers to a malformed JSON body.
            raise bad_request("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        raw.update(body)
    elif content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if part.filename is not None:
                files[part.name] = Upload(
                    filename=part.filename,
                    content_type=part.headers.get("Content-Type", "application/octet-stream"),
                    data=await part.read(),
                )
            else:
                raw[part.name] = await part.text()
    else:
        raw.update(await request.post())
    return raw, files
