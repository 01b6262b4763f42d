"""On a GPU, one iteration of the post's loop replayed as one CUDA graph.

An iteration of this small GAN is about a hundred tiny kernels (64-row products, bias adds,
ReLU, sigmoid, BCE, their backward, two fused Adam updates). On a GPU each takes a few
microseconds to run but Python and the driver take longer to launch it, so the eager loop is
bound by launches. A CUDA graph records the kernels of one iteration once and replays them
with a single launch. The recorded iteration is the post's, line for line as in train.py; it
reads its inputs from fixed buffers, which every iteration refills:

    z  -> self.z    (the D step's noise)      X -> self.X    (the batch)
    z  -> self.z2   (the G step's noise)

The noise is drawn into its buffers outside the graph, as many numbers in the same order as
the eager loop draws them, so both take the same numbers from the same random stream.
"""

import torch
import torch.nn.functional as F  # Post: `import torch.nn.functional as nn`


class GraphedIteration:
    def __init__(self, G, D, G_params, D_params, G_solver, D_solver, ones_label, zeros_label,
                 Z_dim, X_dim):
        self.G, self.D = G, D
        self.G_params, self.D_params = G_params, D_params
        self.G_solver, self.D_solver = G_solver, D_solver
        self.solvers = (G_solver, D_solver)
        self.ones_label, self.zeros_label = ones_label, zeros_label
        mb_size, device = ones_label.shape[0], ones_label.device
        self.z = torch.zeros(mb_size, Z_dim, device=device)  # (mb_size, Z_dim)
        self.X = torch.zeros(mb_size, X_dim, device=device)  # (mb_size, X_dim)
        self.z2 = torch.zeros(mb_size, Z_dim, device=device)
        for solver in (G_solver, D_solver):
            for group in solver.param_groups:
                group["capturable"] = True  # Adam's step count stays on the GPU, in the graph

        # Capture needs a few eager iterations first (cuBLAS workspaces, Adam's state), and
        # those change the weights: keep them, and Adam's state, and put them back after.
        params = G_params + D_params
        for solver in (G_solver, D_solver):
            if not solver.state:  # a fresh run: make Adam's state now, so it can be kept
                _init_state(solver)
        states = [G_solver.state[p] for p in G_params] + [D_solver.state[p] for p in D_params]
        saved = [p.detach().clone() for p in params]
        saved_states = [{k: v.clone() for k, v in state.items()} for state in states]
        lrs = _set_lr(self.solvers, 0.0)  # warm-up steps change nothing, even at a wild lr
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                self._iteration()
        torch.cuda.current_stream().wait_stream(side)
        _set_lr(self.solvers, lrs)  # fused Adam's lr is a number the graph keeps

        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.outputs = self._iteration()  # tensors that every replay rewrites

        with torch.no_grad():
            for p, value, state, kept in zip(params, saved, states, saved_states, strict=True):
                p.copy_(value)
                for key, value in kept.items():
                    state[key].copy_(value)

    def _iteration(self):
        """The post's D step, reset, G step, reset, on the buffers (as in train.py)."""
        G, D = self.G, self.D
        # Discriminator forward-loss-backward-update
        G_sample = G(self.z)
        D_real = D(self.X)
        D_fake = D(G_sample)
        D_loss_real = _bce(D_real, self.ones_label)  # -log D(x)
        D_loss_fake = _bce(D_fake, self.zeros_label)  # -log(1 - D(G(z)))
        D_loss = D_loss_real + D_loss_fake
        D_loss.backward(inputs=self.D_params)
        self.D_solver.step()
        self._reset_grad()
        # Generator forward-loss-backward-update
        G_sample = G(self.z2)
        D_fake = D(G_sample)
        G_loss = _bce(D_fake, self.ones_label)  # -log D(G(z))
        G_loss.backward(inputs=self.G_params)
        self.G_solver.step()
        self._reset_grad()
        return D_loss, G_loss, D_real, D_fake

    def _reset_grad(self):
        for p in self.G_params + self.D_params:
            p.grad = None

    def __call__(self, X):
        """One iteration on batch X: (D_loss, G_loss, D_real, D_fake). The noise of both steps
        is drawn here, as the eager loop draws it: torch.randn(mb_size, Z_dim) twice."""
        torch.randn(*self.z.shape, out=self.z)  # Post: z = Variable(torch.randn(mb_size, Z_dim))
        self.X.copy_(X)
        torch.randn(*self.z2.shape, out=self.z2)  # the G step's z
        self.graph.replay()
        return self.outputs


def _bce(p, target):
    """F.binary_cross_entropy(p, target), except that a NaN or infinite probability gives a
    NaN loss instead of a device-side assert, which would leave the GPU unusable and print a
    screenful of CUDA's messages; the loss log, which keeps D's outputs, then names the
    iteration as on the CPU (train.bce_input does the same for the eager loop on CUDA). For
    finite p (in [0, 1], a sigmoid's output) the result and its gradient are exactly those of
    F.binary_cross_entropy: the added term is 0 * a finite sum, 0."""
    finite = torch.where(torch.isfinite(p), p, 0.5)
    return F.binary_cross_entropy(finite, target) + 0 * p.sum()


def _set_lr(solvers, lr):
    """Set every group's learning rate to lr (a number, or the list this returns); returns
    the rates before."""
    groups = [group for solver in solvers for group in solver.param_groups]
    before = [group["lr"] for group in groups]
    for group, value in zip(groups, lr if isinstance(lr, list) else [lr] * len(groups),
                            strict=True):
        group["lr"] = value
    return before


def _init_state(solver):
    """Make Adam's state for every tensor without changing it: one step at learning rate 0,
    then the moments and the step count set back to zero."""
    lrs = _set_lr([solver], 0.0)
    for group in solver.param_groups:
        for p in group["params"]:
            p.grad = torch.zeros_like(p)
    solver.step()
    _set_lr([solver], lrs)
    for state in solver.state.values():
        for value in state.values():
            value.zero_()
    for group in solver.param_groups:
        for p in group["params"]:
            p.grad = None
