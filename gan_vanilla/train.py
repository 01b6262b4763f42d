"""The post's training script as one function: the forward-loss-backward-update loop.

Read it next to the post: the hyperparameters, G and D (model.py), the two solvers, then the
loop: sample data; D forward, loss, backward, update; reset; G forward, loss, backward,
update; reset; every `sample_every` iterations, print and plot. What a real run needs beyond
the post (resume, the loss log, the quality monitor, checkpoints, stopping, the GPU path)
lives in gan_vanilla/run/ and touches the loop through `run.after(...)` once an iteration.
"""

import os

import torch
import torch.nn.functional as F  # Post: `import torch.nn.functional as nn`
import torch.optim as optim

from .grid import GridWriter
from .model import D_PARAM_NAMES, G_PARAM_NAMES, init_params, make_D, make_G, params_to
from .run.session import Run


def report_line(it, D_loss, G_loss):
    # The post's repository script (the post leaves the report out):
    # print('Iter-{}; D_loss: {}; G_loss: {}'.format(it, D_loss.data[0], G_loss.data[0]))
    return f"Iter-{it}; D_loss: {D_loss:.4}; G_loss: {G_loss:.4}"


def make_iteration(G, D, G_params, D_params, G_solver, D_solver, ones_label, zeros_label):
    """One iteration of the post once its data is sampled: z and X for the D step, z_G for
    the G step. The one definition every path runs: the loop below, the CUDA graph (which
    captures it) and scripts/bench.py."""
    all_params = G_params + D_params  # Post: params

    def reset_grad():
        for p in all_params:
            p.grad = None  # Post: p.grad.data.zero_(); None skips the zeroing pass

    def iteration(z, X, z_G):
        # Discriminator forward-loss-backward-update  (Post: "Dicriminator")
        G_sample = G(z)
        D_real = D(X)
        D_fake = D(G_sample)

        # BCE(p, 1) = -log p and BCE(p, 0) = -log(1 - p), averaged over the batch, so
        # D_loss = -[log D(x) + log(1 - D(G(z)))]: D maximises the GAN value function.
        D_loss_real = F.binary_cross_entropy(D_real, ones_label)
        D_loss_fake = F.binary_cross_entropy(D_fake, zeros_label)
        D_loss = D_loss_real + D_loss_fake

        # Post: D_loss.backward(), which also filled G's gradients for reset_grad() to throw
        # away. inputs= computes only D's; D's update is the same.
        D_loss.backward(inputs=D_params)
        D_solver.step()

        # Housekeeping - reset gradient
        reset_grad()

        # Generator forward-loss-backward-update
        G_sample = G(z_G)
        D_fake = D(G_sample)

        # The non-saturating loss -log D(G(z)), not log(1 - D(G(z))): strong gradients early
        # on, when D easily rejects the samples.
        G_loss = F.binary_cross_entropy(D_fake, ones_label)

        G_loss.backward(inputs=G_params)  # Post: G_loss.backward(); D's gradients are skipped
        G_solver.step()

        # Housekeeping - reset gradient
        reset_grad()
        return D_loss, G_loss, D_real, D_fake

    return iteration


def train(settings, mnist, device, log=print, resume=None, stop=None, progress=None,
          classifier_settings=None):
    """Train the post's GAN on `mnist.train`; write grids, losses, checkpoints and config to
    settings.out_dir. Returns the eight trained tensors by name.

    resume: a checkpoint (run.checkpoint.load_checkpoint) to continue from; settings.iterations
        is the total. On the CPU the result is bit-identical to a run that never stopped.
    stop: an object whose `requested` turns true when the user asks to stop (a signal); the
        current iteration finishes, a checkpoint is written, and Interrupted (run/session.py) is
        raised.
    progress: a tqdm bar to advance, or None.
    classifier_settings: the quality monitor's classifier (a dict like
        measure.classifier.DEFAULTS, the default); the tutorial passes a smaller one.
    Raises Diverged (run/losslog.py; no checkpoint written after it) when a loss becomes NaN
    or infinite.
    """
    mb_size, Z_dim, h_dim, lr = settings.mb_size, settings.Z_dim, settings.h_dim, settings.lr
    X_dim = mnist.train.images.shape[1]  # 784

    torch.manual_seed(settings.seed)  # one seed: weights and every z (batches: mnist's own)

    # Drawn on the CPU then moved, so a seed gives the same initial weights on every device.
    params = params_to(init_params(Z_dim, h_dim, X_dim), device)
    G, D = make_G(params), make_D(params)

    G_params = [params[k] for k in G_PARAM_NAMES]  # [Wzh, bzh, Whx, bhx]
    D_params = [params[k] for k in D_PARAM_NAMES]  # [Wxh, bxh, Why, bhy]

    # fused=True: one kernel updates all four tensors (same Adam, fewer passes over memory).
    # betas: torch's default (0.9, 0.999), which the post used, unless --beta1 says otherwise.
    betas = (settings.beta1, 0.999)
    G_solver = optim.Adam(G_params, lr=lr, betas=betas, fused=True)
    D_solver = optim.Adam(D_params, lr=lr, betas=betas, fused=True)

    # The targets of binary_cross_entropy, as the post's repository script defines them (the
    # post uses them without showing them): Variable(torch.ones(mb_size, 1)), and zeros.
    ones_label = torch.ones(mb_size, 1, device=device)
    zeros_label = torch.zeros(mb_size, 1, device=device)

    # Beyond the post (gan_vanilla/run/): config.json, resume, the loss log, the quality
    # monitor, TensorBoard, checkpoints, stopping. The device path is chosen here, once: on
    # the CPU the iteration runs as written; on CUDA it is replayed as one CUDA graph.
    run = Run(settings, mnist, device, params, G_solver, D_solver, log=log, resume=resume,
              stop=stop, progress=progress, classifier_settings=classifier_settings)
    iteration = run.on_device(make_iteration, G, D, G_params, D_params, G_solver, D_solver,
                              ones_label, zeros_label)

    grids = GridWriter()
    c = run.grid_counter  # the post's plot counter: out/000.png, out/001.png, ...
    with run:
        for it in range(run.start, settings.iterations):
            # Sample data
            # Post: z = Variable(torch.randn(mb_size, Z_dim))
            z = torch.randn(mb_size, Z_dim, device=device)
            X, _ = mnist.train.next_batch(mb_size)  # (mb_size, X_dim); Post: Variable(...)
            # The G step's z. Post: drawn just before the G step; nothing in between draws
            # from the random stream, so these are the same numbers.
            z_G = torch.randn(mb_size, Z_dim, device=device)

            # The post's D step, reset, G step, reset (make_iteration, above)
            D_loss, G_loss, D_real, D_fake = iteration(z, X, z_G)

            # Print and plot every now and then (the repository script's; the post stops above)
            if it % settings.sample_every == 0:
                log(report_line(it, D_loss.item(), G_loss.item()))
                with torch.no_grad():
                    samples = G(z_G)[:16]  # the G step's z through the updated G, as there
                grids.save(samples, os.path.join(settings.out_dir, f"{c:03d}.png"))
                c += 1

            # Beyond the post: the loss log, the quality monitor, the progress bar,
            # checkpoints, stopping on request.
            run.after(it, c, G, D_loss, G_loss, D_real, D_fake)
    return params
