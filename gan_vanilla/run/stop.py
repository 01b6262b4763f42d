"""Stopping on request: Ctrl-C (SIGINT) or SIGTERM lets the current iteration finish, so the
run can write a checkpoint before it exits. A second signal stops at once."""

import contextlib
import os
import signal
import threading

# After a second signal the run unwinds (KeyboardInterrupt) and says how it stopped. Raised at
# an arbitrary point, the exception can leave a lock of the grids' worker taken, and the
# unwinding would then wait forever: after this many seconds the process ends anyway.
FORCE_AFTER = 10


@contextlib.contextmanager
def handling(signals, handler):
    """`handler` for each of `signals` while the block runs; the handlers before put back
    after it, however it ends (the train command's, and the study's, which passes them on)."""
    previous = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
    finally:
        for s, before in previous.items():
            signal.signal(s, before)


class StopOnSignal:
    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.signum = None
        self._handling = handling(self.SIGNALS, self._handle)

    @property
    def requested(self):
        return self.signum is not None

    def _handle(self, signum, frame):
        if self.signum is not None:  # asked twice: stop now, without a checkpoint
            ending = threading.Timer(FORCE_AFTER, os._exit, (128 + signum,))
            ending.daemon = True  # no wait for it once the process ends by itself
            ending.start()
            raise KeyboardInterrupt
        self.signum = signum

    def __enter__(self):
        self._handling.__enter__()
        return self

    def __exit__(self, *exc):
        return self._handling.__exit__(*exc)
