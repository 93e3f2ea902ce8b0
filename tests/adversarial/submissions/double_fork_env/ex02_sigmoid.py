"""Leaves a daemon behind: double fork, a new session, then exec with an EMPTY environment (no token for a
sweep to find) of a copy of `sleep` named @TAG@, asleep for 60 s."""
import os
import shutil
import tempfile

from _honest_ex02_sigmoid import sigmoid, sigmoid_grad  # noqa: F401

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            daemon = os.path.join(tempfile.gettempdir(), "@TAG@")
            shutil.copyfile("/bin/sleep", daemon)
            os.chmod(daemon, 0o755)
            os.execve(daemon, [daemon, "60"], {})
        finally:
            os._exit(0)
    os._exit(0)
