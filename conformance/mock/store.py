"""The mock's memory: the messages it has sent (the newest ones, bounded) and what it has counted."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["MAX_STORED_MESSAGES", "MessageStore", "StoredMessage"]

# A long run against the standalone mock must not grow it without bound (issue 13): the store keeps
# the newest this many messages, a ring buffer; the counters keep counting past it.
MAX_STORED_MESSAGES = 10_000


@dataclass(frozen=True)
class StoredMessage:
    """One accepted send: the request values as received and the payload as answered."""

    uuid: str
    sender: str
    to: str
    message: str
    payload: Mapping[str, Any]
    account: int = 1  # 1: the mock's token, 2: its second account's (``MockConfig.second_token``)
    created: datetime = field(default_factory=lambda: datetime.now(UTC))  # the send's moment (created_on)
    born: float = 0.0  # the send's moment on the mock's life clock (``conformance.mock.life``)

    def to_dict(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "from": self.sender,
            "to": self.to,
            "message": self.message,
            "payload": dict(self.payload),
        }


class MessageStore:
    """Thread-safe, in-memory; shared by the app's request handlers and the test thread.

    ``messages()`` holds at most ``capacity`` messages, the newest (the oldest are dropped first);
    ``accepted`` counts every message ever added, ``request_count`` every ``POST /rest/sms``, and
    ``http_requests`` every HTTP request the app answered, API and control apart (``GET /_mock/stats``).
    """

    def __init__(self, capacity: int = MAX_STORED_MESSAGES) -> None:
        if capacity < 1:
            raise ValueError(f"a message store holds at least 1 message, not {capacity}")
        self.capacity = capacity
        self._lock = threading.Lock()
        self._messages: deque[StoredMessage] = deque(maxlen=capacity)
        self._by_uuid: dict[str, StoredMessage] = {}
        self._reads: dict[str, int] = {}
        self._lookups = 0
        self._accepted = 0
        self._requests = 0
        self._api = 0
        self._control = 0

    def add(self, message: StoredMessage) -> int:
        """Keep ``message`` (dropping the oldest when full); return its 1-based number among all sends."""
        with self._lock:
            if len(self._messages) == self.capacity:
                oldest = self._messages[0].uuid
                self._by_uuid.pop(oldest, None)
                self._reads.pop(oldest, None)
            self._messages.append(message)
            self._by_uuid[message.uuid] = message
            self._accepted += 1
            return self._accepted

    def count_accepted(self) -> int:
        """Count a send that was answered as accepted but not kept (the silent_drop fault)."""
        with self._lock:
            self._accepted += 1
            return self._accepted

    def count_lookup(self) -> None:
        """Count one lookup (``GET /rest/sms/outbound/{uuid}``), whatever its answer."""
        with self._lock:
            self._lookups += 1

    def read(self, uuid: str) -> tuple[StoredMessage | None, int]:
        """The message with ``uuid`` (None: not kept) and the 1-based number of this read of it."""
        with self._lock:
            found = self._by_uuid.get(uuid)
            if found is None:
                return None, 0
            self._reads[uuid] = self._reads.get(uuid, 0) + 1
            return found, self._reads[uuid]

    @property
    def lookups(self) -> int:
        """Lookups (``GET /rest/sms/outbound/{uuid}``) received, whatever their answer."""
        with self._lock:
            return self._lookups

    def messages(self) -> tuple[StoredMessage, ...]:
        with self._lock:
            return tuple(self._messages)

    @property
    def accepted(self) -> int:
        """Messages ever added, the dropped ones included."""
        with self._lock:
            return self._accepted

    def count_request(self) -> int:
        """Count one ``POST /rest/sms``; return its 1-based number."""
        with self._lock:
            self._requests += 1
            return self._requests

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._requests

    def count_http(self, *, control: bool) -> None:
        """Count one HTTP request the app received: a control call (``/_mock/...``) or any other."""
        with self._lock:
            if control:
                self._control += 1
            else:
                self._api += 1

    def http_requests(self) -> tuple[int, int]:
        """(API requests, control requests) received so far, whatever their answer."""
        with self._lock:
            return self._api, self._control

    def clear(self) -> None:
        """Forget the messages and zero the send counters (the HTTP counters keep counting)."""
        with self._lock:
            self._messages.clear()
            self._by_uuid.clear()
            self._reads.clear()
            self._lookups = 0
            self._accepted = 0
            self._requests = 0
