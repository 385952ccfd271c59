"""getUpdates and the webhook settings."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from sandbox.botapi.common import Call, Described
from sandbox.errors import ApiError, bad_request

WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
_CLOUD_WEBHOOK_PORTS = {443, 80, 88, 8443}
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")


async def get_updates(call: Call) -> list[dict[str, Any]]:
    queue = call.bot.updates
    if queue.webhook.url:
        raise ApiError(409, WEBHOOK_ACTIVE)
    if isinstance(call.get("allowed_updates"), list):
        queue.allowed_updates = list(call.get("allowed_updates"))
    # telegram-bot-api clamps limit into 1..100 rather than refusing it.
    limit = min(max(int(call.get("limit", 100) or 100), 1), 100)
    timeout = max(float(call.get("timeout", 0) or 0), 0.0)
    return await queue.poll(int(call.get("offset", 0) or 0), limit, timeout)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_webhook_url(url: str) -> None:
    """Cloud Telegram's rules, except that loopback URLs are allowed as a self-hosted server allows them."""
    try:
        parts = urlsplit(url if "://" in url else "https://" + url)
        port = parts.port
    except ValueError:
        raise bad_request("invalid webhook URL specified") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("invalid webhook URL specified")
    if _is_loopback(parts.hostname):
        return
    # Wording from telegram-bot-api's WebhookActor, prefixed "bad webhook: " by Client::on_webhook_closed.
    if parts.scheme != "https":
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if (port or 443) not in _CLOUD_WEBHOOK_PORTS:
        raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")


async def set_webhook(call: Call) -> Described:
    url = str(call.get("url") or "")
    if not url:
        return await delete_webhook(call)
    _check_webhook_url(url)
    secret = str(call.get("secret_token") or "")
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    queue = call.bot.updates
    if call.get("drop_pending_updates"):
        queue.drop_all()
    if isinstance(call.get("allowed_updates"), list):
        queue.allowed_updates = list(call.get("allowed_updates"))
    hook = queue.webhook
    hook.url = url if "://" in url else "https://" + url
    hook.secret_token = secret
    hook.max_connections = int(call.get("max_connections") or 40)
    hook.ip_address = call.get("ip_address")
    hook.last_error_date = hook.last_error_message = None
    queue.nudge()  # a getUpdates long poll in flight ends
    call.server.webhooks.restart(call.bot)
    return Described(True, "Webhook was set")


async def delete_webhook(call: Call) -> Described:
    queue = call.bot.updates
    if call.get("drop_pending_updates"):
        queue.drop_all()
    had_webhook = bool(queue.webhook.url)
    queue.webhook.url = ""
    queue.webhook.secret_token = ""
    queue.webhook.last_error_date = queue.webhook.last_error_message = None
    call.server.webhooks.stop(call.bot)
    return Described(True, "Webhook was deleted" if had_webhook else "Webhook is already deleted")


async def get_webhook_info(call: Call) -> dict[str, Any]:
    queue = call.bot.updates
    hook = queue.webhook
    info: dict[str, Any] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(queue.pending),
    }
    if hook.url:
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        info["max_connections"] = hook.max_connections
        if queue.allowed_updates:
            info["allowed_updates"] = list(queue.allowed_updates)
    return info
