"""How many CPU threads the loop's products use: measured while the run runs (--threads auto), or
fixed (--threads N); docs/training.md, "CPU threads", says why, how, and what config.json keeps. The
count changes no result while every thread treats denormal floats alike, which `denormals_alike`
checks at the start (else the count stays)."""

import contextlib
import statistics
import time

import torch

BLOCK = 30  # timed iterations per trial of a count: their mean is its speed
SETTLE = 2  # iterations after a change of count that are not timed (threads waking)
ABORT = 1.5  # a trial stops once its mean is this much slower than the best so far
AT_ONCE = 3  # ... or at once, settling included, after two iterations this much slower
RETRY_EVERY = 1000  # iterations between trials once a count is kept
DRIFT = 0.25  # a kept count's mean this much off its trial's: try them all again
MARGIN = 0.03  # another count replaces the kept one only if this much faster
BUDGET = 0.02  # the share of the run's time that trials may cost beyond the kept count's


def candidates(most):
    """The counts tried: 1, 2, 4, ... and `most` (torch's count when the run starts)."""
    counts, c = {1, most}, 2
    while c < most:
        counts.add(c)
        c *= 2
    return sorted(counts)


def denormals_alike(count):
    """Whether `count` threads treat denormal floats as the calling thread does: a product
    that makes one (1e-20 * 1e-19), split over the threads, reads 0 on every thread that
    flushes them; all zero or none, each element comes out the same whoever computes it."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        tiny = torch.full((count * 2**16,), 1e-20) * 1e-19  # a 1e-39 per element
        flushed = int((tiny == 0).sum())
    finally:
        torch.set_num_threads(before)
    return flushed in (0, tiny.numel())


class Threads:
    """The loop's thread count over a run: `start(iteration)`, `tick(it)` once an iteration,
    `untimed()` around work that is not the loop's, `finish()`; `record()` for config.json.
    busy(): whether the run's own work in the background (the grids' worker) is running: the
    iterations beside it are not timed, as it would slow whichever count is on trial."""

    def __init__(self, setting, device, busy=lambda: False):
        self.setting = setting  # "auto" or a count
        self.busy = busy
        self.chosen = []  # [[iteration, count], ...]: the count kept from that iteration on
        # Why the count is not measured, or None while it is (decided in start()).
        self.kept = ("--threads" if setting != "auto" else
                     f"the loop runs on {device.type}" if device.type != "cpu" else None)
        self.caller = None  # torch's count before the run, put back after it
        self.count = None  # the count in use
        self.it = None  # the iteration the loop is in
        self._plan = None  # the measuring coroutine (_choosing) while auto adapts
        self._last = None  # time.perf_counter() at the last tick
        self._skip = 0  # ticks whose time covers other work, not timed

    def start(self, iteration):
        self.caller, self.it = torch.get_num_threads(), iteration
        if self.kept is None and self.caller == 1:
            self.kept = "torch had one thread"
        elif self.kept is None and not denormals_alike(self.caller):
            self.kept = ("torch's threads treat denormal floats differently (some started "
                         "before they were flushed), so the count would change the result")
        if self.kept is not None:
            self._use(self.caller if self.setting == "auto" else int(self.setting))
            return
        self.count = self.caller
        self._plan = self._choosing(candidates(self.caller))
        next(self._plan)  # the first trial's first count is another: it settles first
        self._last = time.perf_counter()

    def tick(self, it):
        """Iteration `it` is done: its time goes to the measurement."""
        if self._plan is None:
            return
        now = time.perf_counter()
        seconds, self._last, self.it = now - self._last, now, it + 1
        if self._skip:
            self._skip -= 1
            return
        if self.busy():
            return
        self._plan.send(seconds)

    @contextlib.contextmanager
    def untimed(self):
        """Other work inside an iteration: it runs with the count the run had without the
        measuring (the caller's, or the fixed one), and its iteration is not timed."""
        loop_count = torch.get_num_threads()
        if self.caller is not None and self.setting == "auto":
            torch.set_num_threads(self.caller)
        try:
            yield
        finally:
            torch.set_num_threads(loop_count)
            self._skip = 1

    def finish(self):
        """The caller's count back, and no more measuring."""
        if self.caller is not None:
            torch.set_num_threads(self.caller)
        self._plan = None

    def record(self):
        """config.json's "threads": the counts kept, each from its iteration on, and, where the
        count was not measured, why."""
        return {"chosen": self.chosen, **({"kept": self.kept} if self.kept else {})}

    # --- Measuring -------------------------------------------------------------------------

    def _use(self, count):
        """Keep `count` from the next iteration on."""
        self._set(count)
        if not self.chosen or self.chosen[-1][1] != count:
            self.chosen.append([self.it, count])

    def _set(self, count):
        if torch.get_num_threads() != count:
            torch.set_num_threads(count)
        self.count = count

    def _choosing(self, counts):
        """A coroutine fed each iteration's seconds: a trial of every count, the current one
        last (it stays, unchanged, when it wins), then the fastest until the next trial, after
        RETRY_EVERY iterations or a DRIFT, once the trial's cost is within BUDGET."""
        recent = None  # the kept count's latest mean: a slower count's trial stops early
        while True:
            current, means, spent, ran = self.count, {}, 0.0, 0
            for count in sorted(counts, key=lambda c: c == current):
                best = min([*means.values(), *([recent] if recent else [])], default=None)
                means[count], seconds, n = yield from self._block(count, abort_over=best)
                spent, ran = spent + seconds, ran + n
            fastest = min(means, key=means.get)
            if means[fastest] > means[current] * (1 - MARGIN):
                fastest = current  # not clearly faster: no change
            self._use(fastest)
            reference = recent = means[fastest]
            wait = max(0.0, spent - ran * reference) / BUDGET  # seconds before the next trial
            ran = 0
            while True:
                recent, seconds, n = yield from self._block(fastest)
                ran, wait = ran + n, wait - seconds
                if wait <= 0 and (ran >= RETRY_EVERY or abs(recent / reference - 1) > DRIFT):
                    break

    def _block(self, count, abort_over=None):
        """BLOCK iterations with `count` threads, after SETTLE untimed ones where the count
        changes: their mean seconds (the mean, not the median: a loaded machine's two threads
        are fast most iterations and a hundred times slower in a few, and the few decide the
        run's time), the seconds of them all, and how many. A trial stops early, lost, once
        its mean passes ABORT times `abort_over`, or after two iterations in a row over
        AT_ONCE times it."""
        settle = SETTLE if count != self.count else 0
        self._set(count)
        times, seconds, slow = [], [], 0
        while len(times) < BLOCK:
            seconds.append((yield))
            if abort_over is not None:
                slow = slow + 1 if seconds[-1] > AT_ONCE * abort_over else 0
                if slow == 2:
                    return seconds[-1], sum(seconds), len(seconds)
            if len(seconds) > settle:
                times.append(seconds[-1])
            if (abort_over is not None and len(times) >= 5
                    and statistics.fmean(times) > ABORT * abort_over):
                break
        return statistics.fmean(times), sum(seconds), len(seconds)
