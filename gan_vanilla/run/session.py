"""Everything a run does beyond the post's loop, behind three calls in train.py: `Run(...)`
before the loop (config.json, resume, the loss log, the quality monitor, the best generator,
TensorBoard), `run.after(...)` once an iteration, and `with run:` around the loop (denormals
flushed while it runs; at its end the last checkpoint, best.pt, losses.png, progress.gif, and
a NaN named as such)."""

import os

import torch

from .best import BestGenerator
from .checkpoint import checkpoint_state, restore_state, save_checkpoint
from .config import write_config
from .device import NonFiniteD, denormals_are_flushed, flush_denormals, on_device
from .losslog import Diverged, LossLog
from .monitor import QualityMonitor, classifier_and_sides
from .plots import plot_losses, write_gif


class Interrupted(Exception):
    """The user asked the run to stop; a checkpoint of `iteration` was written first."""

    def __init__(self, iteration, signum):
        super().__init__(f"stopped at iteration {iteration}")
        self.iteration, self.signum = iteration, signum


class _NoStop:
    requested = False


class Run:
    def __init__(self, settings, mnist, device, params, G_solver, D_solver, log=print,
                 resume=None, stop=None, progress=None, classifier_settings=None):
        self.settings, self.mnist, self.device, self.params = settings, mnist, device, params
        self.G_solver, self.D_solver, self.log = G_solver, D_solver, log
        self.resumed, self.stop = resume is not None, stop or _NoStop()
        self.progress, self.postfix, self.board = progress, {}, None
        out_dir = settings.out_dir
        os.makedirs(out_dir, exist_ok=True)
        # config.json describes the checkpoint beside it: a new run writes it now, a resumed
        # run with its first checkpoint, so a resume that fails leaves the folder as it was.
        if resume is None:
            write_config(settings, device, os.path.join(out_dir, "config.json"))
        self.losses = LossLog(os.path.join(out_dir, "losses.csv"), device,
                              every=settings.log_every, on_row=self._loss_row, log=log)
        self.monitor = QualityMonitor(
            os.path.join(out_dir, "quality.csv"), settings.quality_every, settings.Z_dim, device,
            lambda: _classifier(settings, mnist, log, classifier_settings, self.stop), log=log)
        self.best = (BestGenerator(out_dir, settings, self.monitor.z)
                     if settings.quality_every else None)
        self.start, self.grid_counter = 0, 0
        if resume is not None:
            self.start, self.grid_counter = restore_state(
                resume, params, G_solver, D_solver, mnist.train, self.losses, device,
                settings.lr)
            if self.best is not None and resume.get("best"):  # older checkpoints have none
                self.best.load_state_dict(resume["best"])
        self.losses.start(self.start)
        self.monitor.start(self.start)
        if settings.tensorboard:
            from .board import Board

            self.board = Board(out_dir, settings, self.start)
        self.next_it = self.start  # the iteration the loop is in
        self.saved_at = None  # the iteration of the last checkpoint written
        self.denormals_before = None  # the caller's setting, while `with run:` flushes them
        if self.monitor.owed is not None:
            self._measure_owed()

    def on_device(self, make_iteration, *gan):
        """The loop's iteration on this run's device (device.on_device)."""
        return on_device(make_iteration, *gan, cuda_graph=self.settings.cuda_graph)

    def after(self, it, grid_counter, G, D_loss, G_loss, D_real, D_fake):
        """Everything beyond the post after iteration `it`: TensorBoard's copy of a grid just
        written, the quality monitor, the loss log, the progress bar, checkpoints, and
        stopping on request."""
        s = self.settings
        self.grid_counter = grid_counter
        if self.board is not None and it % s.sample_every == 0:
            self.board.grid(it, os.path.join(s.out_dir, f"{grid_counter - 1:03d}.png"))
        if self.monitor.due(it, s.iterations):
            self._measured(it, self.monitor.measure(it, G))
        self.losses.record(it, D_loss, G_loss, D_real, D_fake)
        if self.progress is not None:
            self.progress.update()
        self.next_it = it + 1
        if (it + 1) % s.checkpoint_every == 0 or self.stop.requested:
            self.save(it + 1)
            if self.stop.requested:
                raise Interrupted(it + 1, self.stop.signum)

    def _measured(self, it, row):
        """A quality measurement (None when there was none) to the best generator, the
        progress bar and TensorBoard."""
        if row is None:
            return
        self.best.consider(it, row, self.params, kept=it % self.settings.quality_every == 0)
        self._show(classes=f"{row['classes_covered']}/10", score=f"{row['classifier_score']:.2f}")
        if self.board is not None:
            self.board.quality(it, row)

    def _measure_owed(self):
        """The measurement of iteration start - 1, which the stopped run owes: it was asked to
        stop while the monitor's classifier trained. The checkpoint holds the weights of that
        iteration, so this is the measurement the run would have made, and the resumed run
        is the run that never stopped. Stopped again meanwhile, the run stops at once, with
        the checkpoint of the iteration it resumed at."""
        from ..model import make_G

        it = self.monitor.owed
        self._measured(it, self.monitor.measure(it, make_G(self.params)))
        if self.stop.requested:
            self.save(self.start)
            if self.board is not None:
                self.board.close()
            raise Interrupted(self.start, self.stop.signum)

    def save(self, iteration):
        """checkpoint.pt after `iteration` iterations, unless the run has gone NaN."""
        if iteration == self.saved_at:  # the loop's periodic checkpoint was the last one
            return
        # Never checkpoint a run that has gone NaN: check the losses, then the weights.
        self.losses.check()
        if not all(torch.isfinite(p).all() for p in self.params.values()):
            raise Diverged(iteration - 1, what="the weights")
        state = checkpoint_state(self.params, self.G_solver, self.D_solver, self.mnist.train,
                                 self.losses, iteration, self.grid_counter, self.settings,
                                 self.device, self.best and self.best.state_dict())
        out_dir = self.settings.out_dir
        save_checkpoint(state, os.path.join(out_dir, "checkpoint.pt"))
        if self.resumed and self.saved_at is None:
            write_config(self.settings, self.device, os.path.join(out_dir, "config.json"))
        self.saved_at = iteration

    def __enter__(self):
        # The loop runs with denormal floats flushed, as the train command runs, whoever calls
        # train(): a script or a notebook gets the speed without knowing of flush_denormals
        # (run/device.py). __exit__ puts the caller's setting back.
        self.denormals_before = denormals_are_flushed()
        flush_denormals()
        return self

    def __exit__(self, kind, error, traceback):
        try:
            if isinstance(error, NonFiniteD):
                raise Diverged(self.next_it, what="D's output") from None
            if kind is None:
                self.save(self.settings.iterations)  # with the loss log's open window
                self.losses.flush()  # the last, partial row
                self.monitor.finish()
                if self.best is not None:
                    self.best.finish(self.log)
        finally:
            torch.set_flush_denormal(self.denormals_before)
            if self.board is not None:
                self.board.close()
        if kind is None:
            out_dir = self.settings.out_dir
            best = self.best and self.best.best
            plot_losses(self.losses.path, os.path.join(out_dir, "losses.png"), self.monitor.path,
                        best_iteration=best and best["iteration"])
            write_gif([os.path.join(out_dir, f"{i:03d}.png") for i in range(self.grid_counter)],
                      os.path.join(out_dir, "progress.gif"))
        return False

    def _loss_row(self, it, means):  # each losses.csv row
        self._show(D_loss=f"{means[0]:.4}", G_loss=f"{means[1]:.4}")
        if self.board is not None:
            self.board.losses(it, means)

    def _show(self, **values):
        self.postfix.update(values)
        if self.progress is not None:
            self.progress.set_postfix(self.postfix)


def _classifier(settings, mnist, log, classifier_settings=None, stop=None):
    """The quality monitor's classifier, cached where `evaluate` caches it. Its training
    stops when the run is asked to stop (measure.classifier.Stopped)."""
    from ..measure.classifier import DEFAULTS, cache_key, default_cache_dir

    cache = settings.classifier_cache or default_cache_dir(settings.data_dir)
    key = cache_key(DEFAULTS, mnist.train.num_examples)
    if classifier_settings is None and not os.path.exists(
            os.path.join(cache, f"classifier-{key}.pt")):
        log("quality monitor: training the MNIST classifier, once (about 2 minutes on 2 CPU "
            f"cores; cached in {cache} for every later run and evaluate)")
    return classifier_and_sides(mnist, cache, log=log, settings=classifier_settings, stop=stop)
