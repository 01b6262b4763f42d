"""The post's own code, kept in its 2017 form as the reference the package is measured against.

Not the package's training loop (that is `gan_vanilla.train`): the post's script with only
what no longer runs replaced (TensorFlow's MNIST reader becomes the `mnist` argument,
`D_loss.data[0]` becomes `.item()`). The rest is as written in January 2017: `Variable`, biases
added with `.repeat`, `nn.sigmoid`, gradients zeroed in place by `reset_grad()`, the D step's
backward running through G. Where the post shows no code (the labels, the report, the plot),
the lines are the post's repository script's; `plot` is its grid, drawn with pyplot.

Two users: the faithfulness tests (the package's loop must end on the same eight tensors) and
`scripts/bench.py` (the speed the package is compared with).
"""

import numpy as np
import torch
import torch.nn.functional as nn
import torch.optim as optim
from torch.autograd import Variable


def run(mnist, iterations, mb_size=64, Z_dim=100, h_dim=128, lr=1e-3, seed=0, report_every=1000):
    """Run the post's script for `iterations` steps on `mnist.train` (CPU); returns the eight
    tensors by name and the report values [(it, D_loss, G_loss), ...]."""
    torch.manual_seed(seed)
    X_dim = mnist.train.images.shape[1]
    reports = []

    # ---- the post (and its repository script where the post shows no code), from here on ----
    def xavier_init(size):
        in_dim = size[0]
        xavier_stddev = 1. / np.sqrt(in_dim / 2.)
        return Variable(torch.randn(*size) * xavier_stddev, requires_grad=True)

    Wzh = xavier_init(size=[Z_dim, h_dim])
    bzh = Variable(torch.zeros(h_dim), requires_grad=True)

    Whx = xavier_init(size=[h_dim, X_dim])
    bhx = Variable(torch.zeros(X_dim), requires_grad=True)

    def G(z):
        h = nn.relu(z @ Wzh + bzh.repeat(z.size(0), 1))
        X = nn.sigmoid(h @ Whx + bhx.repeat(h.size(0), 1))
        return X

    Wxh = xavier_init(size=[X_dim, h_dim])
    bxh = Variable(torch.zeros(h_dim), requires_grad=True)

    Why = xavier_init(size=[h_dim, 1])
    bhy = Variable(torch.zeros(1), requires_grad=True)

    def D(X):
        h = nn.relu(X @ Wxh + bxh.repeat(X.size(0), 1))
        y = nn.sigmoid(h @ Why + bhy.repeat(h.size(0), 1))
        return y

    G_params = [Wzh, bzh, Whx, bhx]
    D_params = [Wxh, bxh, Why, bhy]
    params = G_params + D_params

    G_solver = optim.Adam(G_params, lr=lr)
    D_solver = optim.Adam(D_params, lr=lr)

    def reset_grad():
        for p in params:
            if p.grad is not None:  # the repository's later guard (PyTorch 0.2)
                p.grad.data.zero_()

    ones_label = Variable(torch.ones(mb_size, 1))
    zeros_label = Variable(torch.zeros(mb_size, 1))

    for it in range(iterations):
        # Sample data
        z = Variable(torch.randn(mb_size, Z_dim))
        X, _ = mnist.train.next_batch(mb_size)
        X = Variable(X)  # Post: Variable(torch.from_numpy(X)); our reader gives tensors

        # Dicriminator forward-loss-backward-update
        G_sample = G(z)
        D_real = D(X)
        D_fake = D(G_sample)

        D_loss_real = nn.binary_cross_entropy(D_real, ones_label)
        D_loss_fake = nn.binary_cross_entropy(D_fake, zeros_label)
        D_loss = D_loss_real + D_loss_fake

        D_loss.backward()
        D_solver.step()

        # Housekeeping - reset gradient
        reset_grad()

        # Generator forward-loss-backward-update
        z = Variable(torch.randn(mb_size, Z_dim))
        G_sample = G(z)
        D_fake = D(G_sample)

        G_loss = nn.binary_cross_entropy(D_fake, ones_label)

        G_loss.backward()
        G_solver.step()

        # Housekeeping - reset gradient
        reset_grad()

        # Print and plot every now and then (the plot is left out: a reference, not a run)
        if it % report_every == 0:
            reports.append((it, D_loss.item(), G_loss.item()))  # Post: D_loss.data[0]

    names = ("Wzh", "bzh", "Whx", "bhx", "Wxh", "bxh", "Why", "bhy")
    return dict(zip(names, params, strict=True)), reports


def plot(samples, path):
    """The post's 4x4 grid of `samples` (16 rows of 784 values), saved to `path`."""
    import matplotlib.gridspec as gridspec
    import matplotlib.pyplot as plt

    # ---- the post's repository script ----
    fig = plt.figure(figsize=(4, 4))
    gs = gridspec.GridSpec(4, 4)
    gs.update(wspace=0.05, hspace=0.05)

    for i, sample in enumerate(samples):
        ax = plt.subplot(gs[i])
        plt.axis('off')
        ax.set_xticklabels([])
        ax.set_yticklabels([])
        ax.set_aspect('equal')
        plt.imshow(sample.reshape(28, 28), cmap='Greys_r')

    plt.savefig(path, bbox_inches='tight')
    plt.close(fig)
