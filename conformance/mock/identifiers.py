"""Deterministic identifiers: message uuids and per-conversation threads from one seeded RNG."""

from __future__ import annotations

import hashlib
import random
import threading
import uuid

__all__ = ["IdentifierSource"]


class IdentifierSource:
    """uuid4 strings drawn from ``random.Random(seed)``; threads keyed by (sender, recipient).

    The same seed and the same sequence of sends give the same uuids. A thread is a keyed
    BLAKE2b hash of the number pair, keyed by a salt drawn first from the seeded RNG, so it is
    stable for a pair, independent of send order, and reproducible under the seed.
    ``reset()`` returns the source to its freshly seeded state.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._thread_key = b""
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._rng = random.Random(self._seed)
            self._thread_key = self._rng.getrandbits(256).to_bytes(32, "big")

    def new_uuid(self) -> str:
        with self._lock:
            bits = self._rng.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))

    def thread_for(self, sender: int, recipient: int) -> str:
        digest = hashlib.blake2b(f"{sender}:{recipient}".encode(), key=self._thread_key, digest_size=16)
        return digest.hexdigest()
