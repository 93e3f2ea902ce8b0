"""Ignores every catchable signal and loops at import (alarm re-armed forever)."""
import signal

for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGXCPU):
    signal.signal(sig, signal.SIG_IGN)
signal.signal(signal.SIGALRM, lambda *a: signal.alarm(1))
signal.alarm(1)
while True:
    pass
