"""The parent's side of the frame protocol with a sandbox child: numbered, length-prefixed JSON frames
on two pipes (``grader.values.pack``), read before a deadline while the child's limits are watched; a
``sync`` round trip confirms every reply, and a reply's value is decoded with bounds before allocation.

``FrameIO`` is mixed into ``Sandbox``, which provides ``_fds`` (request and reply pipe ends), ``_proc``,
``_seq``, ``_kill()``, ``_death()``, ``_timeout(timeout_s)`` and ``_over_limits()``."""

from __future__ import annotations

import inspect
import json
import os
import secrets
import select
import subprocess
import time
from typing import Any

from grader import values
from grader.sandbox.limits import Reply

POLL_S = 0.05
_DECODE_LIMITS = "max_elements" in inspect.signature(values.decode).parameters


class FrameIO:
    """Sending and receiving frames (see the module docstring for what the host class provides)."""

    _fds: tuple[int, int]
    _proc: subprocess.Popen[bytes] | None
    _seq: int

    def _send(self, message: dict[str, Any], deadline: float, timeout_s: float, seq: int) -> Reply | None:
        """Write one frame numbered ``seq`` before ``deadline``; returns a failure reply or None."""
        data = memoryview(values.pack(json.dumps({**message, "q": seq}, allow_nan=False).encode("utf-8")))
        req_w = self._fds[0]
        try:
            while data:
                _, ready, _ = select.select([], [req_w], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    return self._timeout(timeout_s)
                data = data[os.write(req_w, data[: 1 << 16]) :]
        except OSError:
            return self._death()
        return None

    def _frame(self, deadline: float, timeout_s: float, watch: bool) -> tuple[dict[str, Any], Reply | None]:
        """Read one whole frame before ``deadline``, checking the limits every ``POLL_S`` if ``watch``."""
        rep_r = self._fds[1]
        buf = bytearray()
        need, header = 8, True
        while True:
            while len(buf) < need:
                left = deadline - time.monotonic()
                if left <= 0:
                    return {}, self._timeout(timeout_s)
                ready, _, _ = select.select([rep_r], [], [], min(left, POLL_S) if watch else left)
                if watch:
                    reason = self._over_limits()
                    if reason:
                        self._kill()
                        return {}, Reply("crashed", error=reason)
                if not ready:
                    if watch and self._root_exited(rep_r):
                        return {}, self._death()
                    continue
                chunk = os.read(rep_r, min(need - len(buf), 1 << 20))
                if not chunk:
                    return {}, self._death()
                buf += chunk
            if not header:
                break
            try:
                need = 8 + values.unpack(bytes(buf[:8]))
            except ValueError as err:
                self._kill()
                return {}, Reply("invalid", error=f"the child sent a malformed reply: {err}")
            header = False
        try:
            frame = json.loads(bytes(buf[8:]).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            frame = None
        if type(frame) is not dict:
            self._kill()
            return {}, Reply("invalid", error="the child sent a malformed reply")
        return frame, None

    def _root_exited(self, rep_r: int) -> bool:
        """The child is gone and left nothing to read (a process it forked may still hold the pipe)."""
        if self._proc is None or self._proc.poll() is None:
            return False
        return not select.select([rep_r], [], [], 0)[0]

    def _receive(
        self, seq: int, deadline: float, timeout_s: float, watch: bool = True
    ) -> tuple[dict[str, Any], Reply | None]:
        """The first frame numbered ``seq``; frames with another number are strays and are dropped."""
        while True:
            frame, failure = self._frame(deadline, timeout_s, watch)
            if failure is not None or frame.get("q") == seq:
                return frame, failure

    def _synced(
        self, reply: dict[str, Any], seq: int, deadline: float, timeout_s: float
    ) -> tuple[dict[str, Any], Reply | None]:
        """Send a ``sync`` and wait for its acknowledgement; the call's reply is the last frame numbered
        ``seq`` received before it (a frame forged early is replaced by the real one that follows)."""
        self._seq += 1
        sync, nonce = self._seq, secrets.token_hex(16)
        failure = self._send({"op": "sync", "nonce": nonce}, deadline, timeout_s, sync)
        while failure is None:
            frame, failure = self._frame(deadline, timeout_s, True)
            if failure is not None:
                break
            if frame.get("q") == seq:
                reply = frame
            elif frame.get("q") == sync and frame.get("nonce") == nonce and frame.get("status") == "synced":
                return reply, None
        return {}, failure

    @staticmethod
    def _decoded(raw: dict[str, Any], max_elements: int | None) -> tuple[Any, str]:
        """The value of an ``ok`` reply frame, or why it cannot be graded (bounded before allocation)."""
        if raw.get("status") != "ok" or "value" not in raw:
            return None, ""
        try:
            extra = {"max_elements": max_elements} if _DECODE_LIMITS and max_elements is not None else {}
            return values.decode(raw["value"], **extra), ""
        except (ValueError, RecursionError) as err:
            return None, f"returned value cannot be graded: {err}"
