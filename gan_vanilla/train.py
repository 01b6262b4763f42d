"""The post's training script as one function: the forward-loss-backward-update loop.

Read it next to the post: the set-up (`setup`: the hyperparameters, the eight tensors, G and
D from model.py, the two solvers, the labels), one iteration (`make_iteration`: D forward,
loss, backward, update; reset; G forward, loss, backward, update; reset), then the loop
(`train`): sample data, the iteration, and every `sample_every` iterations print and plot.
What a real run needs beyond the post (resume, the loss log, the quality monitor,
checkpoints, stopping, the GPU path) lives in gan_vanilla/run/ and touches the loop through
`run.after(...)` once an iteration.
"""

import dataclasses
import functools

import torch
import torch.nn.functional as F  # Post: `import torch.nn.functional as nn`
import torch.optim as optim

from .model import D_PARAM_NAMES, G_PARAM_NAMES, init_params, make_D, make_G, params_to
from .run.session import Run
from .stacked.stack import Stack


def report_line(it, D_loss, G_loss):
    # The post's repository script (the post leaves the report out):
    # print('Iter-{}; D_loss: {}; G_loss: {}'.format(it, D_loss.data[0], G_loss.data[0]))
    return f"Iter-{it}; D_loss: {D_loss:.4}; G_loss: {G_loss:.4}"


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
    stack: Stack | None = None  # an ensemble's members (--seeds); None for one run

    @property
    def randn(self):
        """The loop's torch.randn: an ensemble's draws each member's from its own stream."""
        if self.stack is None:
            return functools.partial(torch.randn, device=self.ones_label.device)
        return self.stack.randn

    def iteration_parts(self):
        """make_iteration's arguments: G, D, their tensors and solvers, the labels, the loss."""
        bce = F.binary_cross_entropy if self.stack is None else self.stack.bce
        return (self.G, self.D, self.G_params, self.D_params, self.G_solver, self.D_solver,
                self.ones_label, self.zeros_label, bce)


def setup(settings, train_set, device, seeds=None):
    """The post's set-up, in its order: the hyperparameters, the eight tensors, G and D, the
    two solvers, the labels. train_set: mnist.train, whose images give X_dim. seeds: None for
    one run of settings.seed, in the post's shapes; a list for an ensemble (--seeds): one run
    per seed, each drawn as `--seed S` draws it, stacked along a leading axis (ensemble/)."""
    mb_size, Z_dim, h_dim, lr = settings.mb_size, settings.Z_dim, settings.h_dim, settings.lr
    X_dim = train_set.images.shape[1]  # 784

    if seeds is None:
        torch.manual_seed(settings.seed)  # one seed: weights and every z (batches: mnist's own)
        # Drawn on the CPU then moved, so a seed gives the same initial weights on every device.
        params = params_to(init_params(Z_dim, h_dim, X_dim), device)
        stack, K = None, ()
    else:
        # Wzh: (K, Z_dim, h_dim); bzh: (K, 1, h_dim), to broadcast over each member's rows
        stack = Stack(seeds, train_set, device)
        params, K = stack.init_params(Z_dim, h_dim, X_dim), (len(seeds),)
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
    ones_label = torch.ones(*K, mb_size, 1, device=device)
    zeros_label = torch.zeros(*K, mb_size, 1, device=device)
    return GAN(params, G, D, G_params, D_params, G_solver, D_solver, ones_label, zeros_label,
               stack)


def make_iteration(G, D, G_params, D_params, G_solver, D_solver, ones_label, zeros_label,
                   bce=F.binary_cross_entropy):
    """One iteration of the post once its data is sampled: z and X for the D step, z_G for
    the G step. The one definition every path runs: the loop below, the CUDA graph (which
    captures it), an ensemble (--seeds) and scripts/bench.py.

    bce: the post's F.binary_cross_entropy; an ensemble's gives each member its own mean
    (ensemble/loss.py), so D_loss and G_loss hold one loss per member."""
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
        # away. inputs= computes only D's; D's update is the same. sum(): an ensemble's
        # members' losses add up, and as no member's loss depends on another's weights, each
        # gets the gradient of its own (a single run's loss is its own sum).
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


def train(settings, mnist, device, log=print, resume=None, stop=None, progress=None,
          classifier_settings=None, seeds=None):
    """Train the post's GAN on `mnist.train`; write grids, losses, checkpoints and config to
    settings.out_dir. Returns the eight trained tensors by name.

    seeds: None for one run of settings.seed; a list of seeds for an ensemble (--seeds): one
        run per seed, all trained at once, their tensors stacked along a leading axis
        (gan_vanilla/ensemble/), each run in settings.out_dir/seed-S as a single run writes it.
    resume: a checkpoint (run.checkpoint.load_checkpoint) to continue from, or an ensemble's
        list of its members' checkpoints; settings.iterations is the total. On the CPU the
        result is bit-identical to a run that never stopped.
    stop: an object whose `requested` turns true when the user asks to stop (a signal); the
        current iteration finishes, a checkpoint is written, and Interrupted (run/session.py) is
        raised.
    progress: a tqdm bar to advance, or None.
    classifier_settings: the quality monitor's classifier (a dict like
        measure.classifier.DEFAULTS, the default); the tutorial passes a smaller one.
    Raises Diverged (run/losslog.py; no checkpoint written after it) when a loss becomes NaN
    or infinite.
    """
    mb_size, Z_dim = settings.mb_size, settings.Z_dim
    # The hyperparameters, the eight tensors, G and D, the solvers and the labels (above).
    gan = setup(settings, mnist.train, device, seeds)
    G, randn = gan.G, gan.randn
    if gan.stack is not None:
        mnist = mnist._replace(train=gan.stack.train)  # next_batch: (K, mb_size, X_dim)

    # Beyond the post (gan_vanilla/run/): config.json, resume, the loss log, the quality
    # monitor, TensorBoard, checkpoints, stopping, the grids' worker. The device path is
    # chosen here, once: on the CPU the iteration runs as written; on CUDA it is replayed as
    # one CUDA graph.
    run = Run(settings, mnist, device, gan.params, gan.G_solver, gan.D_solver, log=log,
              resume=resume, stop=stop, progress=progress,
              classifier_settings=classifier_settings, stack=gan.stack)
    iteration = run.on_device(make_iteration, *gan.iteration_parts())

    grids = run.grids  # writes each grid off the loop's path, as the post's code draws it
    c = run.grid_counter  # the post's plot counter: out/000.png, out/001.png, ...
    with run:
        for it in range(run.start, settings.iterations):
            # Sample data
            # Post: z = Variable(torch.randn(mb_size, Z_dim)); an ensemble's randn draws each
            # member's from its own stream: (K, mb_size, Z_dim).
            z = randn(mb_size, Z_dim)
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
                for m in run.members:  # the run itself; or each member (m.k indexes it)
                    log(m.prefix + report_line(it, D_loss[m.k].item(), G_loss[m.k].item()))
                    grids.save(samples[m.k][:16], m.grid(c))  # out/000.png, out/001.png, ...
                c += 1

            # Beyond the post: the loss log, the quality monitor, the progress bar,
            # checkpoints, stopping on request.
            run.after(it, c, G, D_loss, G_loss, D_real, D_fake)
    return gan.params
