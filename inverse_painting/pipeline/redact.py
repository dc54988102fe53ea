"""Keep secrets out of ledgers, reports and cards: credentials in URLs and token values."""

from __future__ import annotations

import os
import re
from typing import Any

SECRET_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_TOKEN", "HF_API_TOKEN")
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")
_SECRET_QUERY = re.compile(r"(?P<key>[?&](?:access_token|token|api_key|apikey|key|sig|signature|password|secret)=)"
                           r"[^&#\s]+", re.IGNORECASE)
_HF_TOKEN = re.compile(r"\bhf_[A-Za-z0-9]{8,}\b")
MASK = "***"


def redact(text: str) -> str:
    """``text`` with URL credentials, secret query values and Hub tokens masked."""
    text = _USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", text)
    text = _SECRET_QUERY.sub(lambda m: m.group("key") + MASK, text)
    text = _HF_TOKEN.sub(MASK, text)
    for name in SECRET_ENV:
        value = os.environ.get(name)
        if value and len(value) >= 6:
            text = text.replace(value, MASK)
    return text


def redact_value(value: Any) -> Any:
    """Redact every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value
