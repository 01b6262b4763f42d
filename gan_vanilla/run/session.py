"""Everything a run does beyond the post's loop, behind four calls in train.py: `Run(...)`
before the loop (the post's set-up, config.json, resume, the logs, TensorBoard, the grid
worker), `run.report(...)` where the loop prints and plots, `run.after(...)` once an
iteration, and `with run:` around the loop (denormals flushed and the CPU threads chosen; at
its end the last checkpoint, best.pt, losses.png, progress.gif, and a NaN named as such). An
ensemble (--seeds) is K runs stacked (gan_vanilla/stacked/): each member has a single run's
folder, files and checkpoint (`Member`); each iteration's work is done once for all."""

import dataclasses
import os
import types

import torch

from ..model import D_PARAM_NAMES, G_PARAM_NAMES
from ..stacked.slices import member_params, member_solver_state, stacked_checkpoint
from ..stacked.stack import stacked_setup
from .best import BestGenerator
from .checkpoint import checkpoint_state, restore_state, rng_state, save_checkpoint, set_rng_state
from .config import write_config
from .device import NonFiniteD, denormals_flushed, on_device
from .grid_worker import GridWorker
from .losslog import Diverged, LossLog
from .monitor import QualityMonitor, classifier_and_sides
from .plots import plot_losses, write_gif
from .stacked_folder import member_dir
from .threads import Threads


class Interrupted(Exception):
    """The user asked the run to stop; a checkpoint of `iteration` was written first."""

    def __init__(self, iteration, signum):
        super().__init__(f"stopped at iteration {iteration}")
        self.iteration, self.signum = iteration, signum


@dataclasses.dataclass
class Member:
    """One run's folder: the run itself, or one member of an ensemble."""

    k: object  # index into the stacked tensors: () for a single run (takes all), else 0..K-1
    settings: object  # this run's Settings (an ensemble's member: its seed and folder)
    prefix: str = ""  # begins the member's terminal lines: "seed 3: "
    best: object = None  # its BestGenerator, with the quality monitor on
    board: object = None  # its TensorBoard writer, with --tensorboard
    grid_offset: int = 0  # its grids' numbers less c: 0 unless it went on alone (--sample-every)

    def path(self, name):
        return os.path.join(self.settings.out_dir, name)

    def grid(self, c):
        """The loop's grid number c as this member's file: out/000.png, out/001.png, ..."""
        return self.path(f"{c + self.grid_offset:03d}.png")


def members_of(settings, seeds=None):
    """The run's members: itself; or, with seeds, one per seed in settings.out_dir/seed-S."""
    if seeds is None:
        return [Member((), settings)]
    return [Member(k, dataclasses.replace(settings, seed=s,
                                          out_dir=member_dir(settings.out_dir, s)),
                   prefix=f"seed {s}: ")
            for k, s in enumerate(seeds)]


class Run:
    def __init__(self, setup, settings, mnist, device, log=print, resume=None, stop=None,
                 progress=None, classifier_settings=None, seeds=None):
        """setup: the post's set-up (train.py), made once, or with seeds (--seeds) once per
        seed, stacked (`gan`; `mnist.train` then serves each member's batches). resume: a
        checkpoint; with seeds, the list of its members'."""
        if seeds is None:
            self.gan, self.stack = setup(settings, mnist.train, device), None
        else:
            self.gan, self.stack = stacked_setup(setup, settings, mnist.train, device, seeds)
            mnist = mnist._replace(train=self.stack.train)  # next_batch: (K, mb_size, X_dim)
        self.settings, self.mnist, self.device, self.log = settings, mnist, device, log
        self.params = self.gan.params
        self.G_solver, self.D_solver = self.gan.G_solver, self.gan.D_solver
        self.stop = stop or types.SimpleNamespace(requested=False)
        self.progress, self.postfix = progress, {}
        self.members = members_of(settings, seeds)
        self.grids = GridWorker(processes=grid_processes(device, len(self.members)))
        # The loop's CPU threads (threads.py), timed while the grids' worker is idle.
        self.threads = Threads(settings.threads, device, busy=self.grids.busy)
        self._make_folders(resume is None)
        self._open_logs(classifier_settings)
        self.start, self.grid_counter = 0, 0
        if resume is not None:
            self._restore(resume)
        self.losses.start(self.start)
        self.monitor.start(self.start)
        if settings.tensorboard:
            from .board import Board

            for m in self.members:
                m.board = Board(m.settings.out_dir, m.settings, self.start)
        self.next_it = self.start  # the iteration the loop is in
        self.saved_at = None  # the iteration of the last checkpoint written
        self.denormals = None  # `with run:` flushes denormals (run/device.py)
        if self.monitor.owed is not None:
            self._measure_owed()

    def _make_folders(self, new):
        """Each member's folder; a new run's config.json (it describes the checkpoint beside
        it: a resumed run writes it with its first checkpoint, so a failed resume leaves it)."""
        for m in self.members:
            os.makedirs(m.settings.out_dir, exist_ok=True)
            if new:
                write_config(m.settings, self.device, m.path("config.json"), self.threads.record())

    def _open_logs(self, classifier_settings):
        """The loss log, the quality monitor and, with it, each member's best generator."""
        s, log = self.settings, self.log
        names = [m.prefix.rstrip(": ") for m in self.members] if self.stack is not None else None
        self.losses = LossLog([m.path("losses.csv") for m in self.members], self.device,
                              every=s.log_every, on_row=self._loss_row, log=log, names=names)
        self.monitor = QualityMonitor(
            [m.path("quality.csv") for m in self.members], s.quality_every, s.Z_dim, self.device,
            lambda: _classifier(s, self.mnist, log, classifier_settings, self.stop), log=log,
            names=[m.prefix for m in self.members])
        for m in self.members:
            if s.quality_every:
                m.best = BestGenerator(m.settings.out_dir, m.settings, self.monitor.z)

    def _restore(self, resume):
        if self.stack is None:  # torch's global streams, the batches' own generator
            state, states = resume, [resume]
            set_rng_state(state["rng"], self.device)
            self.mnist.train.load_state_dict(state["data"])
        else:  # each member's streams; the tensors and Adam's state stacked again
            state, states = stacked_checkpoint(resume), resume
            for k, member_state in enumerate(resume):
                self.stack.set_rng_state(k, member_state["rng"])
            self.mnist.train.load_state_dicts([s["data"] for s in resume])
        self.losses.load_state_dicts([s["losses"] for s in states])
        self.start, self.grid_counter = restore_state(state, self.params, self.G_solver,
                                                      self.D_solver, self.settings.lr)
        for m, member_state in zip(self.members, states, strict=True):
            m.grid_offset = member_state["grid_counter"] - self.grid_counter
            if m.best is not None and member_state.get("best"):  # older checkpoints have none
                m.best.load_state_dict(member_state["best"])

    def on_device(self, make_iteration, *gan):
        """The loop's iteration on this run's device (device.on_device)."""
        return on_device(make_iteration, *gan, cuda_graph=self.settings.cuda_graph)

    def report(self, print_and_plot, it, c, D_loss, G_loss, samples):
        """The loop's print_and_plot (train.py) of iteration `it` into grid c; an ensemble's
        for each member, with its losses and samples, each line begun with its seed."""
        for m in self.members:
            print_and_plot(lambda line, m=m: self.log(m.prefix + line), self.grids, it,
                           D_loss[m.k], G_loss[m.k], samples[m.k], m.grid(c))

    def after(self, it, grid_counter, G, D_loss, G_loss, D_real, D_fake):
        """Everything beyond the post after iteration `it`: TensorBoard's copy of a grid, the
        quality monitor, the loss log, the progress bar, checkpoints, stopping on request."""
        s = self.settings
        self.threads.tick(it)  # the iteration's time, to choose the thread count by
        self.grid_counter = grid_counter
        if it % s.sample_every == 0:
            for m in self.members:
                if m.board is not None:
                    m.board.grid(it, self.grids.png_of(m.grid(grid_counter - 1)))
        if self.monitor.due(it, s.iterations):
            with self.threads.untimed():  # the monitor's work with the run's usual threads
                self._measured(it, self.monitor.measure(it, G))
        self.losses.record(it, D_loss, G_loss, D_real, D_fake)
        if self.progress is not None:
            self.progress.update()
        self.next_it = it + 1
        if (it + 1) % s.checkpoint_every == 0 or self.stop.requested:
            self.save(it + 1)
            if self.stop.requested:
                raise Interrupted(it + 1, self.stop.signum)

    def _measured(self, it, rows):
        """A quality measurement (None when there was none) to the best generators, the
        progress bar and TensorBoard."""
        if rows is None:
            return
        for m, row in zip(self.members, rows, strict=True):
            m.best.consider(it, row, member_params(self.params, m.k),
                            kept=it % self.settings.quality_every == 0)
            if m.board is not None:
                m.board.quality(it, row)
        # One bar: the run's figures, or the range of the ensemble's.
        self._show(classes=self._span([row["classes_covered"] for row in rows]) + "/10",
                   score=self._span([row["classifier_score"] for row in rows], "{:.2f}"))

    def _measure_owed(self):
        """The measurement of iteration start - 1, owed by a run stopped while the monitor's
        classifier trained (the checkpoint holds that iteration's weights). Stopped again
        meanwhile, the run stops at once, with the checkpoint it resumed from."""
        from ..model import make_G

        it = self.monitor.owed
        self._measured(it, self.monitor.measure(it, make_G(self.params)))
        if self.stop.requested:
            self.save(self.start)
            self._close_boards()
            self.grids.close()
            raise Interrupted(self.start, self.stop.signum)

    def save(self, iteration):
        """checkpoint.pt after `iteration` iterations (each member's). Never of a run that has
        gone NaN: the losses are checked, then the weights."""
        if iteration == self.saved_at:  # the loop's periodic checkpoint was the last one
            return
        self.losses.check()
        if not all(torch.isfinite(p).all() for p in self.params.values()):
            raise Diverged(iteration - 1, what="the weights")
        G_state, D_state = self.G_solver.state_dict(), self.D_solver.state_dict()
        for i, m in enumerate(self.members):
            one = self.stack is None  # a single run's state as it is; a member's, its slice
            state = checkpoint_state(
                member_params(self.params, m.k),
                G_state if one else member_solver_state(G_state, G_PARAM_NAMES, m.k),
                D_state if one else member_solver_state(D_state, D_PARAM_NAMES, m.k),
                self.mnist.train.state_dict() if one else self.mnist.train.state_dict(m.k),
                self.losses.state_dict(i),
                rng_state(self.device) if one else self.stack.rng_state(m.k),
                iteration, self.grid_counter + m.grid_offset, m.settings,
                m.best and m.best.state_dict())
            save_checkpoint(state, m.path("checkpoint.pt"))
            # With each checkpoint: the thread counts the loop used up to it.
            write_config(m.settings, self.device, m.path("config.json"), self.threads.record())
        self.saved_at = iteration

    def __enter__(self):
        # Denormal floats flushed, as the train command runs, whoever calls train() (a notebook
        # gets the speed without knowing of flush_denormals), and the loop's CPU threads
        # (threads.py); __exit__ puts the caller's settings back.
        self.denormals = denormals_flushed()
        self.denormals.__enter__()
        self.threads.start(self.start)
        return self

    def __exit__(self, kind, error, traceback):
        try:
            if isinstance(error, NonFiniteD):
                raise Diverged(self.next_it, what="D's output") from None
            if kind is None:
                self.save(self.settings.iterations)  # with the loss log's open window
                self.losses.flush()  # the last, partial row
                self.monitor.finish()
                for m in self.members:
                    if m.best is not None:
                        m.best.finish(lambda line, m=m: self.log(m.prefix + line))
        except BaseException:
            self.grids.close()  # every grid handed over is written, however the run ends
            raise
        finally:
            self.threads.finish()
            self.denormals.__exit__(None, None, None)
            self._close_boards()
        if kind is None:
            self.grids.wait()  # every grid written: progress.gif is made of them
            # losses.png and progress.gif of each member, drawn by the grids' worker (an
            # ensemble's beside each other); close() waits for them and raises a failure.
            for m in self.members:
                best = m.best and m.best.best
                self.grids.call(plot_losses, m.path("losses.csv"), m.path("losses.png"),
                                m.path("quality.csv"), best and best["iteration"])
                frames = self.grids.frames([m.path(f"{i:03d}.png")
                                            for i in range(self.grid_counter + m.grid_offset)])
                self.grids.call(write_gif, frames, m.path("progress.gif"))
        self.grids.close()
        return False

    def _close_boards(self):
        for m in self.members:
            if m.board is not None:
                m.board.close()

    def _loss_row(self, it, means):  # each member's losses.csv row (a single run's: one)
        for m, member_means in zip(self.members, means, strict=True):
            if m.board is not None:
                m.board.losses(it, member_means)
        # One bar: the run's means, or the mean of the ensemble's members.
        mean = [sum(column) / len(means) for column in zip(*means, strict=True)]
        self._show(D_loss=f"{mean[0]:.4}", G_loss=f"{mean[1]:.4}")

    def _span(self, values, fmt="{}"):
        """A run's figure, or an ensemble's range (min-max) of its members'."""
        if self.stack is None:
            return fmt.format(values[0])
        return f"{fmt.format(min(values))}-{fmt.format(max(values))}"

    def _show(self, **values):
        self.postfix.update(values)
        if self.progress is not None:
            self.progress.set_postfix(self.postfix)


def grid_processes(device, members):
    """Processes that draw the grids (grid_worker.py): none (a thread) for a single run or on
    the CPU, whose cores train; on CUDA, an ensemble's K grids a report on the idle cores."""
    if device.type != "cuda" or members < 2:
        return 0
    return max(0, min(members, (os.cpu_count() or 1) - 1))


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
