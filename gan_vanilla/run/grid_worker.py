"""The loop's 4x4 grids, written off the training loop's path.

Drawing and saving a grid (grid.py) costs tens of milliseconds of matplotlib and PNG encoding;
an ensemble of K members writes K of them at every report. The loop hands the samples over
(a copy on the CPU, 16 x 784 numbers) and goes on; a worker draws them with the same
GridWriter, so each PNG is the one the loop would have written itself. One worker thread
serves a run: torch's kernels and PNG encoding release the GIL, so the two overlap. With
processes > 0 (an ensemble on a machine with cores to spare) that many processes draw.

The PNG bytes are kept, compressed, so progress.gif is built from them at the end without
reading every file back. A failed write is raised by the next save or by close(), and close()
waits for every grid handed over: a run that stops, even on Ctrl-C, loses none of them.
"""

import concurrent.futures
import io
import multiprocessing
import os

from ..grid import GridWriter
from ..io.atomic import save_bytes

IN_FLIGHT = 8  # grids handed over per worker before save() waits: bounds the memory


class GridWorker:
    def __init__(self, processes=0):
        if processes:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                processes, mp_context=multiprocessing.get_context("spawn"))
        else:
            self.pool = concurrent.futures.ThreadPoolExecutor(1)
        self.limit = IN_FLIGHT * max(1, processes)
        self.pending = []  # futures not yet done
        self.png = {}  # path -> the PNG's bytes, for progress.gif

    def save(self, samples, path):
        """Write `samples` (up to 16 of 784 values) as the grid `path`, in the background."""
        pixels = samples.detach().float().cpu().numpy()
        self.pending.append((path, self.pool.submit(_draw, pixels, path)))
        if len(self.pending) >= self.limit:
            self._collect(wait_for=self.pending[0][1])

    def call(self, fn, *args):
        """fn(*args) in the worker: a run's closing plots (one per member of an ensemble),
        which then draw beside each other as the grids do. Its error is raised by close()."""
        self.pending.append((None, self.pool.submit(fn, *args)))

    def _collect(self, wait_for=None):
        if wait_for is not None:
            concurrent.futures.wait([wait_for])
        still = []
        for path, future in self.pending:
            if future.done():
                result = future.result()  # raises the worker's error, if any
                if path is not None:
                    self.png[path] = result
            else:
                still.append((path, future))
        self.pending = still

    def png_of(self, path):
        """The PNG bytes of the grid `path`, once written (TensorBoard's copy of it)."""
        self._collect(wait_for=next((f for p, f in self.pending if p == path), None))
        return self.png[path]

    def wait(self):
        """Wait for everything handed over; raise the first failure."""
        pending, self.pending = self.pending, []
        for path, future in pending:
            result = future.result()
            if path is not None:
                self.png[path] = result

    def close(self):
        """wait(), then stop the worker."""
        try:
            self.wait()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=False)

    def frames(self, paths):
        """The grids `paths` as PNG bytes: those written here from memory, the others (a
        resumed run's earlier grids) read from their files; missing ones are left out."""
        out = []
        for p in paths:
            if p in self.png:
                out.append(self.png[p])
            elif os.path.exists(p):
                out.append(p)
        return out


_writer = None  # one per worker: the figure is built once and reused


def _draw(pixels, path):
    global _writer
    if _writer is None:
        _writer = GridWriter()
    buffer = io.BytesIO()
    _writer.draw(pixels, buffer)
    data = buffer.getvalue()
    save_bytes(path, data)
    return data
