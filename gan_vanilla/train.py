"""The post's training script as one function: the forward-loss-backward-update loop.

Read it next to the post: the set-up (`setup`: the hyperparameters, the eight tensors, G and
D from model.py, the two solvers, the labels), one iteration (`make_iteration`: D forward,
loss, backward, update; reset; G forward, loss, backward, update; reset), then the loop
(`train`): sample data, the iteration, and every `sample_every` iterations print and plot
(`print_and_plot`, the post's repository script's). What a real run needs beyond the post
(resume, the loss log, the quality monitor, checkpoints, stopping, the GPU path, many runs at
once) lives in gan_vanilla/run/, behind `Run`: it touches the loop where the loop prints and
plots (`run.report(...)`) and through `run.after(...)` once an iteration.
"""

import dataclasses
import functools

import torch
import torch.nn.functional as F  # Post: `import torch.nn.functional as nn`
import torch.optim as optim

from .model import D_PARAM_NAMES, G_PARAM_NAMES, init_params, make_D, make_G, params_to
from .run.session import Run


@dataclasses.dataclass
class GAN:
    """What the post sets up before its loop (`setup`)."""

    params: dict  # the eight tensors by name
    G: object
    D: object
    G_params: list  # [Wzh, bzh, Whx, bhx]
    D_params: list  # [Wxh, bxh, Why, bhy]
    G_solver: object
    D_solver: object
    ones_label: torch.Tensor
    zeros_label: torch.Tensor
    randn: object  # the loop's torch.randn
    bce: object = F.binary_cross_entropy  # the loss; Post: nn.binary_cross_entropy

    def iteration_parts(self):
        """make_iteration's arguments: G, D, their tensors and solvers, the labels, the loss."""
        return (self.G, self.D, self.G_params, self.D_params, self.G_solver, self.D_solver,
                self.ones_label, self.zeros_label, self.bce)


def setup(settings, train_set, device, params=None):
    """The post's set-up, in its order: the hyperparameters, the eight tensors, G and D, the
    two solvers, the labels. train_set: mnist.train, whose images give X_dim. params: the
    eight tensors when the caller has drawn them; else they are drawn here, from
    settings.seed."""
    mb_size, Z_dim, h_dim, lr = settings.mb_size, settings.Z_dim, settings.h_dim, settings.lr
    X_dim = train_set.images.shape[1]  # 784

    if params is None:
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
    randn = functools.partial(torch.randn, device=device)  # every z, on the run's device
    return GAN(params, G, D, G_params, D_params, G_solver, D_solver, ones_label, zeros_label,
               randn)


def make_iteration(G, D, G_params, D_params, G_solver, D_solver, ones_label, zeros_label,
                   bce=F.binary_cross_entropy):
    """One iteration of the post once its data is sampled: z and X for the D step, z_G for
    the G step. The one definition every path runs: the loop below, the CUDA graph (which
    captures it), many runs stacked along a leading axis (gan_vanilla/stacked/, whose bce
    gives each run its own mean loss) and scripts/bench.py."""
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
        D_loss_real = bce(D_real, ones_label)  # Post: nn.binary_cross_entropy(D_real, ones_label)
        D_loss_fake = bce(D_fake, zeros_label)
        D_loss = D_loss_real + D_loss_fake

        # Post: D_loss.backward(), which also filled G's gradients for reset_grad() to throw
        # away. inputs= computes only D's; D's update is the same. sum(): a run's loss is its
        # own sum; runs stacked add theirs up, and as none depends on another's weights, each
        # gets the gradient of its own.
        D_loss.sum().backward(inputs=D_params)
        D_solver.step()

        # Housekeeping - reset gradient
        reset_grad()

        # Generator forward-loss-backward-update
        G_sample = G(z_G)
        D_fake = D(G_sample)

        # The non-saturating loss -log D(G(z)), not log(1 - D(G(z))): strong gradients early
        # on, when D easily rejects the samples.
        G_loss = bce(D_fake, ones_label)

        G_loss.sum().backward(inputs=G_params)  # Post: G_loss.backward(); D's are skipped
        G_solver.step()

        # Housekeeping - reset gradient
        reset_grad()
        return D_loss, G_loss, D_real, D_fake

    return iteration


def print_and_plot(log, grids, it, D_loss, G_loss, samples, path):
    """What the post's repository script does every 1000 iterations (the post leaves it out):
    print the losses, and plot 16 samples as a 4x4 grid, out/000.png, out/001.png, ..."""
    # print('Iter-{}; D_loss: {}; G_loss: {}'.format(it, D_loss.data[0], G_loss.data[0]))
    log(f"Iter-{it}; D_loss: {D_loss.item():.4}; G_loss: {G_loss.item():.4}")
    grids.save(samples[:16], path)  # the script's pyplot grid (grid.py), off the loop's path


def train(settings, mnist, device, **run_options):
    """Train the post's GAN on `mnist.train`; write grids, losses, checkpoints and config to
    settings.out_dir. Returns the eight trained tensors by name.

    run_options: what the run does beyond the post, as Run (run/session.py) takes them: log
    (print), resume, stop, progress, classifier_settings, and seeds, for one run per seed at
    once. On the CPU a resumed run is bit-identical to a run that never stopped. Raises
    Diverged (run/losslog.py; no checkpoint written after it) when a loss becomes NaN or
    infinite, and Interrupted (run/session.py) once stopped on request, its checkpoint written.
    """
    mb_size, Z_dim = settings.mb_size, settings.Z_dim
    # The post's set-up (`setup`, above), made by the run, and everything beyond the post
    # (gan_vanilla/run/): config.json, resume, the loss log, the quality monitor, TensorBoard,
    # checkpoints, stopping, the grids' worker. The device path is chosen here, once: on the
    # CPU the iteration runs as written; on CUDA it is replayed as one CUDA graph.
    run = Run(setup, settings, mnist, device, **run_options)
    gan, mnist = run.gan, run.mnist  # the set-up, and the data it samples
    G, randn = gan.G, gan.randn
    iteration = run.on_device(make_iteration, *gan.iteration_parts())

    c = run.grid_counter  # the post's plot counter: out/000.png, out/001.png, ...
    with run:
        for it in range(run.start, settings.iterations):
            # Sample data
            z = randn(mb_size, Z_dim)  # Post: z = Variable(torch.randn(mb_size, Z_dim))
            X, _ = mnist.train.next_batch(mb_size)  # (mb_size, X_dim); Post: Variable(...)
            # The G step's z. Post: drawn just before the G step; nothing in between draws
            # from the random stream, so these are the same numbers.
            z_G = randn(mb_size, Z_dim)

            # The post's D step, reset, G step, reset (make_iteration, above)
            D_loss, G_loss, D_real, D_fake = iteration(z, X, z_G)

            # Print and plot every now and then (the repository script's; the post stops above)
            if it % settings.sample_every == 0:
                with torch.no_grad():
                    samples = G(z_G)  # the G step's z through the updated G, as there
                run.report(print_and_plot, it, c, D_loss, G_loss, samples)
                c += 1

            # Beyond the post: the loss log, the quality monitor, the progress bar,
            # checkpoints, stopping on request.
            run.after(it, c, G, D_loss, G_loss, D_real, D_fake)
    return gan.params
