"""Serialising bodies: compact UTF-8 JSON (non-ASCII kept as is) labelled ``application/json``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

__all__ = ["JSON_MEDIA_TYPE", "encode_json", "json_response"]

JSON_MEDIA_TYPE = "application/json"


def encode_json(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(
    body: Mapping[str, Any], status: int, *, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(encode_json(body), status_code=status, media_type=JSON_MEDIA_TYPE, headers=headers)
