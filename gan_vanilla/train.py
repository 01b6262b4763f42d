"""The post's training script as one function: the forward-loss-backward-update loop.

Read it next to the post: sample data; D forward, loss, backward, update; reset; G forward,
loss, backward, update; reset; every `sample_every` iterations, print and plot.
"""

import json
import os
import platform

import matplotlib
import numpy as np
import torch
import torch.nn.functional as F  # Post: `import torch.nn.functional as nn`
import torch.optim as optim
import torchvision

from . import __version__
from .artifacts import plot_losses, write_gif
from .atomic import save_atomic
from .checkpoint import checkpoint_state, restore_state, save_checkpoint
from .grid import GridWriter
from .losslog import Diverged, LossLog
from .model import D_PARAM_NAMES, G_PARAM_NAMES, init_params, make_D, make_G, params_to
from .quality import QualityMonitor, classifier_with_test_stats


def report_line(it, D_loss, G_loss):
    # Post: print('Iter-{}; D_loss: {}; G_loss: {}'.format(it, D_loss.data[0], G_loss.data[0]))
    return f"Iter-{it}; D_loss: {D_loss:.4}; G_loss: {G_loss:.4}"


class Interrupted(Exception):
    """The user asked the run to stop; a checkpoint of `iteration` was written first."""

    def __init__(self, iteration, signum):
        super().__init__(f"stopped at iteration {iteration}")
        self.iteration, self.signum = iteration, signum


class _NoStop:
    requested = False


def bce_input(device):
    """What the loop hands binary_cross_entropy in place of D's output.

    On the CPU, D's output itself: a NaN there raises at once, and the loop names the
    iteration. On CUDA the same NaN trips a device-side assert, after which the process can
    use the GPU no more, not even to say why; there NaN becomes 0.5, the loss stays finite
    and the loss log, which keeps D's raw outputs, names the same iteration with the same
    words at its next check (at most --log-every iterations later). Finite values pass
    unchanged on both devices.
    """
    if device.type == "cpu":
        return lambda p: p
    return lambda p: torch.nan_to_num(p, nan=0.5)


def train(settings, mnist, device, log=print, resume=None, stop=None, progress=None,
          classifier_settings=None):
    """Train the post's GAN on `mnist.train`; write grids, losses, checkpoints and config to
    out_dir. Returns the eight trained tensors by name.

    resume: a checkpoint (from load_checkpoint) to continue from; `settings.iterations` is
        the total. On the CPU the result is bit-identical to a run that never stopped.
    stop: an object whose `requested` turns true when the user asks to stop (a signal);
        the current iteration finishes, a checkpoint is written, and Interrupted is raised.
    progress: a tqdm bar to advance, or None.
    With settings.quality_every > 0, the classifier's view of G's samples goes to
    quality.csv (quality.py); with settings.tensorboard, everything also to tensorboard/.
    classifier_settings: the quality monitor's classifier (a dict like classifier.DEFAULTS,
        the default); the tutorial passes a smaller one that trains in seconds.
    Raises Diverged (no checkpoint written after it) when a loss becomes NaN or infinite.
    """
    stop = stop or _NoStop()
    mb_size, Z_dim, h_dim, lr = settings.mb_size, settings.Z_dim, settings.h_dim, settings.lr
    X_dim = mnist.train.images.shape[1]  # 784
    out_dir = settings.out_dir
    os.makedirs(out_dir, exist_ok=True)
    # config.json describes the checkpoint beside it: a new run writes it now, a resumed run
    # with its first checkpoint, so a resume that fails leaves the folder as it was.
    if resume is None:
        write_config(settings, device, os.path.join(out_dir, "config.json"))

    torch.manual_seed(settings.seed)  # one seed: weights and every z (batches: mnist's own)

    # Drawn on the CPU then moved, so a seed gives the same initial weights on every device.
    params = params_to(init_params(Z_dim, h_dim, X_dim), device)
    G, D = make_G(params), make_D(params)

    G_params = [params[k] for k in G_PARAM_NAMES]  # [Wzh, bzh, Whx, bhx]
    D_params = [params[k] for k in D_PARAM_NAMES]  # [Wxh, bxh, Why, bhy]
    all_params = G_params + D_params  # Post: params

    # fused=True: one kernel updates all four tensors (same Adam, fewer passes over memory).
    # betas: torch's default (0.9, 0.999), which the post used, unless --beta1 says otherwise.
    betas = (settings.beta1, 0.999)
    G_solver = optim.Adam(G_params, lr=lr, betas=betas, fused=True)
    D_solver = optim.Adam(D_params, lr=lr, betas=betas, fused=True)

    def reset_grad():
        for p in all_params:
            p.grad = None  # Post: p.grad.data.zero_(); None skips the zeroing pass

    ones_label = torch.ones(mb_size, 1, device=device)  # Post: Variable(torch.ones(mb_size, 1))
    zeros_label = torch.zeros(mb_size, 1, device=device)

    grids = GridWriter()
    c = 0  # the post's plot counter: out/000.png, out/001.png, ...
    start = 0
    status = _Status(progress)  # what the progress bar shows beside the iteration
    losses = LossLog(os.path.join(out_dir, "losses.csv"), device, every=settings.log_every,
                     on_row=status.losses)
    monitor = QualityMonitor(os.path.join(out_dir, "quality.csv"), settings.quality_every, Z_dim,
                             device, lambda: _classifier(settings, mnist, log, classifier_settings),
                             log=log)
    if resume is not None:
        start, c = restore_state(resume, params, G_solver, D_solver, mnist.train, losses, device,
                                 lr)
    losses.start(start)
    monitor.start(start)
    if settings.tensorboard:
        from .board import Board

        status.board = Board(out_dir, settings, start)

    graphed = None
    if device.type == "cuda" and settings.cuda_graph:
        from .cuda_graph import GraphedIteration

        graphed = GraphedIteration(G, D, G_params, D_params, G_solver, D_solver, ones_label,
                                   zeros_label, Z_dim, X_dim)

    saved_at = None  # the iteration of the last checkpoint written

    def save(iteration):
        nonlocal saved_at
        if iteration == saved_at:  # the loop's periodic checkpoint was already the last one
            return
        # Never checkpoint a run that has gone NaN: check the losses, then the weights.
        losses.check()
        if not all(torch.isfinite(p).all() for p in all_params):
            raise Diverged(iteration - 1, what="the weights")
        state = checkpoint_state(params, G_solver, D_solver, mnist.train, losses, iteration, c,
                                 settings, device)
        save_checkpoint(state, os.path.join(out_dir, "checkpoint.pt"))
        if resume is not None and saved_at is None:
            write_config(settings, device, os.path.join(out_dir, "config.json"))
        saved_at = iteration

    bce = bce_input(device)
    D_real = D_fake = None  # for the divergence check below
    try:
        for it in range(start, settings.iterations):
            if graphed is not None:
                # On CUDA: the same lines as below, replayed as one CUDA graph (cuda_graph.py)
                X, _ = mnist.train.next_batch(mb_size)
                D_loss, G_loss, D_real, D_fake = graphed(X)
                z = graphed.z2  # the G step's noise, for the grid
            else:
                # Sample data
                # Post: z = Variable(torch.randn(mb_size, Z_dim))
                z = torch.randn(mb_size, Z_dim, device=device)
                X, _ = mnist.train.next_batch(mb_size)  # (mb_size, X_dim), already a tensor

                # Discriminator forward-loss-backward-update  (Post: "Dicriminator")
                G_sample = G(z)
                D_real = D(X)
                D_fake = D(G_sample)

                # BCE(p, 1) = -log p and BCE(p, 0) = -log(1 - p), averaged over the batch, so
                # D_loss = -[log D(x) + log(1 - D(G(z)))]: D maximises the GAN value function.
                D_loss_real = F.binary_cross_entropy(bce(D_real), ones_label)
                D_loss_fake = F.binary_cross_entropy(bce(D_fake), zeros_label)
                D_loss = D_loss_real + D_loss_fake

                # Post: D_loss.backward(), which also filled G's gradients for reset_grad() to
                # throw away. inputs= computes only D's; D's update is the same.
                D_loss.backward(inputs=D_params)
                D_solver.step()

                # Housekeeping - reset gradient
                reset_grad()

                # Generator forward-loss-backward-update
                z = torch.randn(mb_size, Z_dim, device=device)
                G_sample = G(z)
                D_fake = D(G_sample)

                # The non-saturating loss -log D(G(z)), not log(1 - D(G(z))): strong gradients
                # early on, when D easily rejects the samples.
                G_loss = F.binary_cross_entropy(bce(D_fake), ones_label)

                # Post: G_loss.backward(); D's gradients are skipped
                G_loss.backward(inputs=G_params)
                G_solver.step()

                # Housekeeping - reset gradient
                reset_grad()

            # Print and plot every now and then
            if it % settings.sample_every == 0:
                log(report_line(it, D_loss.item(), G_loss.item()))
                with torch.no_grad():
                    samples = G(z)[:16]  # the G step's z, through the updated G (as the post)
                grids.save(samples, os.path.join(out_dir, f"{c:03d}.png"))
                status.grid(it, os.path.join(out_dir, f"{c:03d}.png"))
                c += 1

            # Beyond the post: the quality monitor, the loss log, the progress bar,
            # checkpoints, stopping on request.
            if monitor.due(it, settings.iterations):
                status.quality(it, monitor.measure(it, G))
            losses.record(it, D_loss, G_loss, D_real, D_fake)
            if progress is not None:
                progress.update()
            if (it + 1) % settings.checkpoint_every == 0 or stop.requested:
                save(it + 1)
                if stop.requested:
                    raise Interrupted(it + 1, stop.signum)

        save(settings.iterations)  # with the loss log's open window, for a later --resume
        losses.flush()  # the last, partial row
        monitor.finish()
    except RuntimeError:
        # binary_cross_entropy refuses a NaN probability: D(X) or D(G(z)) went NaN because
        # the last update made the weights too large. Told by the values, not the message.
        if all(p is None or bool(torch.isfinite(p).all()) for p in (D_real, D_fake)):
            raise
        raise Diverged(it, what="D's output") from None
    finally:
        status.close()

    plot_losses(losses.path, os.path.join(out_dir, "losses.png"), monitor.path)
    write_gif([os.path.join(out_dir, f"{i:03d}.png") for i in range(c)],
              os.path.join(out_dir, "progress.gif"))
    return params


def _classifier(settings, mnist, log, classifier_settings=None):
    """The quality monitor's classifier, cached where `evaluate` caches it."""
    from .classifier import DEFAULTS, cache_key, default_cache_dir

    cache = settings.classifier_cache or default_cache_dir(settings.data_dir)
    key = cache_key(DEFAULTS, mnist.train.num_examples)
    if classifier_settings is None and not os.path.exists(
            os.path.join(cache, f"classifier-{key}.pt")):
        log("quality monitor: training the MNIST classifier, once (about 2 minutes on 2 CPU "
            f"cores; cached in {cache} for every later run and evaluate)")
    return classifier_with_test_stats(mnist, cache, log=log, settings=classifier_settings)


class _Status:
    """Where the run's numbers go besides the files: the progress bar's text and, with
    --tensorboard, TensorBoard."""

    def __init__(self, progress):
        self.progress, self.board, self.postfix = progress, None, {}

    def losses(self, it, means):  # each losses.csv row
        self._show(D_loss=f"{means[0]:.4}", G_loss=f"{means[1]:.4}")
        if self.board is not None:
            self.board.losses(it, means)

    def quality(self, it, row):  # each quality measurement (None when the monitor is off)
        if row is None:
            return
        self._show(classes=f"{row['classes_covered']}/10", score=f"{row['classifier_score']:.2f}")
        if self.board is not None:
            self.board.quality(it, row)

    def grid(self, it, png_path):
        if self.board is not None:
            self.board.grid(it, png_path)

    def _show(self, **values):
        self.postfix.update(values)
        if self.progress is not None:
            self.progress.set_postfix(self.postfix)

    def close(self):
        if self.board is not None:
            self.board.close()


def write_config(settings, device, path):
    """Every setting, the seed and the library versions: enough to rerun and compare."""
    config = {
        "settings": settings.to_dict(),
        "seed": settings.seed,
        "device": str(device),
        "versions": {
            "gan_vanilla": __version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "numpy": np.__version__,
            "matplotlib": matplotlib.__version__,
        },
    }

    def write(tmp):
        with open(tmp, "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")

    save_atomic(path, write)
