"""Where an iteration runs: the device, the CPU's denormal floats, and the path chosen once
before the loop (on_device)."""

import contextlib

import torch
import torch.nn.functional as F


class UnknownDevice(Exception):
    """--device cuda on a machine without a usable GPU; the message says so."""


class NonFiniteD(Exception):
    """D's output was NaN or infinite in the iteration that raised this (the CPU path)."""


def resolve_device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UnknownDevice("--device cuda was asked for, but this machine has no usable CUDA "
                            "GPU")
    return torch.device(name)


def flush_denormals():
    """Treat floats below 1.2e-38 (denormals) as zero on the CPU, on this thread: late in
    training they made an iteration about 1.5x slower (docs/performance.md). torch's worker
    threads copy the setting when they start, so it must come before any parallel torch work."""
    torch.set_flush_denormal(True)


def denormals_are_flushed():
    # torch has no getter; a denormal times 2 reads 0 on this thread when they are flushed.
    return float(torch.tensor([1e-39]) * 2) == 0.0


@contextlib.contextmanager
def denormals_flushed():
    """flush_denormals while the block runs, then the calling thread's setting put back,
    however it ends, as the process had it (torch's worker threads started meanwhile keep the
    setting they copied: nothing can reach into them)."""
    before = denormals_are_flushed()
    flush_denormals()
    try:
        yield
    finally:
        torch.set_flush_denormal(before)


def on_device(make_iteration, G, D, G_params, D_params, G_solver, D_solver, ones_label,
              zeros_label, bce=F.binary_cross_entropy, cuda_graph=True):
    """The iteration `make_iteration` defines, as it runs on the labels' device: on the CPU as
    written (_cpu), on CUDA guarded against NaN and replayed as one CUDA graph (_cuda)."""
    path = _cuda if ones_label.device.type == "cuda" else _cpu
    return path(make_iteration, G, D, G_params, D_params, G_solver, D_solver, ones_label,
                zeros_label, bce, cuda_graph=cuda_graph)


def _cpu(make_iteration, G, D, *rest, cuda_graph):
    """The iteration as written. binary_cross_entropy refuses a NaN probability with a
    RuntimeError; then D's outputs are computed again (the failed step's weights): NonFiniteD
    if one is NaN or infinite, else the RuntimeError as it was. Costs nothing until it raises."""
    iteration = make_iteration(G, D, *rest)

    def iteration_naming_nan(z, X, z_G):
        try:
            return iteration(z, X, z_G)
        except RuntimeError:
            with torch.no_grad():
                outputs = (D(X), D(G(z)), D(G(z_G)))
            if all(bool(torch.isfinite(p).all()) for p in outputs):
                raise
            raise NonFiniteD from None

    return iteration_naming_nan


def _cuda(make_iteration, G, D, G_params, D_params, G_solver, D_solver, ones_label,
          zeros_label, bce, cuda_graph):
    """D guarded against NaN (NanGuard); the iteration replayed as one CUDA graph if asked."""
    guard = NanGuard(ones_label.device)
    iteration = guard.iteration(make_iteration(G, guard.D(D), G_params, D_params, G_solver,
                                               D_solver, ones_label, zeros_label, bce))
    if not cuda_graph:
        return iteration
    from .cuda_graph import GraphedIteration

    # z: (mb_size, Z_dim) and X: (mb_size, X_dim), an ensemble's with a leading K; Wzh and
    # Wxh are (Z_dim, h_dim) and (X_dim, h_dim), an ensemble's (K, ...) too.
    rows = ones_label.shape[:-1]
    return GraphedIteration(iteration, G_params + D_params, (G_solver, D_solver),
                            z_shape=(*rows, G_params[0].shape[-2]),
                            X_shape=(*rows, D_params[0].shape[-2]))


class NanGuard:
    """The CUDA path. A NaN probability trips binary_cross_entropy's device-side assert, after
    which the process can use the GPU no more. So a NaN out of D becomes 0.5 and turns `flag`
    NaN for good (0 * NaN); the D outputs the iteration returns carry `flag`, so the loss log
    names the first bad iteration, with the CPU's words. Finite outputs and their gradients
    pass unchanged (nan_to_num is the identity on them; flag stays 0)."""

    def __init__(self, device):
        self.flag = torch.zeros((), device=device)

    def D(self, D):
        def D_guarded(X):
            y = D(X)
            with torch.no_grad():
                self.flag.add_(y.sum(), alpha=0)  # 0 while y is finite, NaN from then on
            return torch.nan_to_num(y, nan=0.5)

        return D_guarded

    def iteration(self, iteration):
        def iteration_guarded(z, X, z_G):
            D_loss, G_loss, D_real, D_fake = iteration(z, X, z_G)
            with torch.no_grad():
                return D_loss, G_loss, D_real + self.flag, D_fake + self.flag

        return iteration_guarded
