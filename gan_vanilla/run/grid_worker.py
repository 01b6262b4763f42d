"""The loop's 4x4 grids, written off the training loop's path: a grid costs tens of
milliseconds of matplotlib and PNG encoding. The loop hands the samples over and goes on; a
worker thread (torch and PNG encoding release the GIL), or `processes` for an ensemble with
cores to spare, draws them with the same GridWriter and keeps the bytes for progress.gif. A
failed write is raised by the next save or by close(), which waits for every grid handed
over: a run that stops, even on Ctrl-C, loses none of them."""

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
        """fn(*args) in the worker (a run's closing plots, beside each other as the grids
        are); its error is raised by close()."""
        self.pending.append((None, self.pool.submit(fn, *args)))

    def busy(self):
        """Whether a grid or a plot handed over is still being drawn."""
        return any(not future.done() for _, future in self.pending)

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
        return [self.png.get(p, p) for p in paths if p in self.png or os.path.exists(p)]


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
