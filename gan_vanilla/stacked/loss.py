"""The post's binary cross-entropy, averaged within each member of an ensemble.

F.binary_cross_entropy on (K, mb_size, 1) tensors would average over all K * mb_size rows:
every member's gradient would be 1/K of its own, and Adam, which divides by the gradient's
running size only up to its eps, would step differently. Here each member's loss is the mean
of its own rows, (K,), and the backward pass repeats PyTorch's own for the mean reduction in
its order (the elementwise gradient first, the division by mb_size last), so a member's
gradient is the single run's to the bit (a plain `.mean(dim)` divides first, which rounds
differently unless mb_size is a power of two)."""

import torch
import torch.nn.functional as F

NONE = 0  # torch's reduction code for "none" (torch.nn._reduction.get_enum)


class _MemberBCE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, p, y):
        ctx.save_for_backward(p, y)
        # -[y log p + (1 - y) log(1 - p)] per row, then each member's mean: (K,)
        return F.binary_cross_entropy(p, y, reduction="none").mean(dim=(-2, -1))

    @staticmethod
    def backward(ctx, grad):  # grad: (K,)
        p, y = ctx.saved_tensors
        grad_rows = grad.reshape(-1, 1, 1).expand_as(p)
        # grad * (p - y) / max(p (1 - p), 1e-12), then / mb_size: torch's order for "mean"
        grad_p = torch.ops.aten.binary_cross_entropy_backward(grad_rows, p, y, None, NONE)
        return grad_p.div_(p.shape[-2] * p.shape[-1]), None


def member_bce(p, y):
    """binary_cross_entropy(p, y) of each member: p and y (K, mb_size, 1) -> (K,)."""
    return _MemberBCE.apply(p, y)
