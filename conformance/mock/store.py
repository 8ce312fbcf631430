"""The mock's memory: messages it has sent and the number of send requests it has seen."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MessageStore", "StoredMessage"]


@dataclass(frozen=True)
class StoredMessage:
    """One accepted send: the request values as received and the payload as answered."""

    uuid: str
    sender: str
    to: str
    message: str
    payload: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "from": self.sender,
            "to": self.to,
            "message": self.message,
            "payload": dict(self.payload),
        }


class MessageStore:
    """Thread-safe, in-memory; shared by the app's request handlers and the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[StoredMessage] = []
        self._requests = 0

    def add(self, message: StoredMessage) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self) -> tuple[StoredMessage, ...]:
        with self._lock:
            return tuple(self._messages)

    def count_request(self) -> int:
        """Count one ``POST /rest/sms``; return its 1-based number."""
        with self._lock:
            self._requests += 1
            return self._requests

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._requests

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._requests = 0
