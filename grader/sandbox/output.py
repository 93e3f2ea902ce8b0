"""The child's merged stdout/stderr, read by a thread of the parent: the last bytes are kept for the
record, and a child that prints more than its limit is killed."""

from __future__ import annotations

import os
import threading
from typing import Any


class OutputDrain(threading.Thread):
    """Reads the child's merged stdout/stderr, keeps the last ``keep`` bytes, kills past ``limit``."""

    def __init__(self, fd: int, limit: int, on_limit: Any, keep: int = 4096) -> None:
        super().__init__(daemon=True)
        self.fd, self.limit, self.on_limit, self.keep = fd, limit, on_limit, keep
        self.total, self.tail, self.over = 0, bytearray(), False
        self.lock = threading.Lock()

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            with self.lock:
                self.total += len(chunk)
                self.tail += chunk
                del self.tail[: -self.keep]
            if self.total > self.limit and not self.over:
                self.over = True
                self.on_limit()
        os.close(self.fd)

    def since(self, mark: int) -> str:
        with self.lock:
            n = min(self.total - mark, len(self.tail))
            text = bytes(self.tail[len(self.tail) - n :]).decode("utf-8", "replace") if n > 0 else ""
            skipped = self.total - mark - n
        return (f"[... {skipped} bytes ...]\n" if skipped > 0 else "") + text
