"""The post's generator G(z) and discriminator D(X): eight raw weight tensors, two functions.

No nn.Module: the weights are plain tensors that require gradients, as in the post.
"""

import numpy as np
import torch
import torch.nn.functional as F  # Post: `import torch.nn.functional as nn`

PARAM_NAMES = ("Wzh", "bzh", "Whx", "bhx", "Wxh", "bxh", "Why", "bhy")
G_PARAM_NAMES = PARAM_NAMES[:4]
D_PARAM_NAMES = PARAM_NAMES[4:]


def xavier_init(size):
    # The post's "Xavier" scale, std = 1 / sqrt(fan_in / 2) = sqrt(2 / fan_in): the scale He
    # et al. derived for ReLU layers (Glorot and Bengio's uses fan_in + fan_out).
    in_dim = size[0]
    xavier_stddev = 1.0 / np.sqrt(in_dim / 2.0)
    # Post: Variable(torch.randn(*size) * xavier_stddev, requires_grad=True)
    return (torch.randn(*size) * xavier_stddev).requires_grad_()


def init_params(Z_dim, h_dim, X_dim=784):
    """The eight tensors, drawn in the post's order (the order fixes what a seed gives)."""
    # Generator: z -> h -> X
    Wzh = xavier_init(size=[Z_dim, h_dim])
    bzh = torch.zeros(h_dim, requires_grad=True)  # Post: Variable(torch.zeros(h_dim), ...)
    Whx = xavier_init(size=[h_dim, X_dim])
    bhx = torch.zeros(X_dim, requires_grad=True)
    # Discriminator: X -> h -> y
    Wxh = xavier_init(size=[X_dim, h_dim])
    bxh = torch.zeros(h_dim, requires_grad=True)
    Why = xavier_init(size=[h_dim, 1])
    bhy = torch.zeros(1, requires_grad=True)
    return dict(Wzh=Wzh, bzh=bzh, Whx=Whx, bhx=bhx, Wxh=Wxh, bxh=bxh, Why=Why, bhy=bhy)


def params_to(params, device):
    """The same eight tensors on `device`, still leaves that require gradients."""
    return {k: v.detach().to(device).requires_grad_() for k, v in params.items()}


def make_G(params):
    """G(z): noise (mb_size, Z_dim) -> images (mb_size, X_dim) in (0, 1)."""
    Wzh, bzh, Whx, bhx = (params[k] for k in G_PARAM_NAMES)

    def G(z):
        # Post: z @ Wzh + bzh.repeat(z.size(0), 1); broadcasting adds the bias to every row.
        # Post: nn.sigmoid (F.sigmoid), deprecated for torch.sigmoid.
        h = F.relu(z @ Wzh + bzh)  # (mb_size, Z_dim) @ (Z_dim, h_dim) -> (mb_size, h_dim)
        X = torch.sigmoid(h @ Whx + bhx)  # (mb_size, h_dim) @ (h_dim, X_dim) -> (mb_size, X_dim)
        return X

    return G


def make_D(params):
    """D(X): images (mb_size, X_dim) -> probability of being real, (mb_size, 1)."""
    Wxh, bxh, Why, bhy = (params[k] for k in D_PARAM_NAMES)

    def D(X):
        h = F.relu(X @ Wxh + bxh)  # (mb_size, X_dim) @ (X_dim, h_dim) -> (mb_size, h_dim)
        y = torch.sigmoid(h @ Why + bhy)  # (mb_size, h_dim) @ (h_dim, 1) -> (mb_size, 1)
        return y

    return D
