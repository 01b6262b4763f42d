"""On a GPU, one iteration of the post's loop replayed as one CUDA graph. An iteration of this
small GAN is about a hundred tiny kernels (64-row products, bias adds, ReLU, sigmoid, BCE, their
backward, two fused Adam updates), each quicker to run than Python and the driver are to launch
it; a graph records them once and replays them with a single launch. It records the loop's own
iteration (train.make_iteration) on fixed buffers, which every call fills:

    z -> self.z (the D step's noise)    X -> self.X (the batch)    z_G -> self.z_G (the G step's)

The loop draws the noise outside the graph, so both paths take the same random numbers."""

import torch


class GraphedIteration:
    def __init__(self, iteration, params, solvers, z_shape, X_shape):
        device = params[0].device
        self.z = torch.zeros(z_shape, device=device)  # (mb_size, Z_dim); (K, ...) for --seeds
        self.X = torch.zeros(X_shape, device=device)  # (mb_size, X_dim); (K, ...) for --seeds
        self.z_G = torch.zeros(z_shape, device=device)
        for solver in solvers:
            for group in solver.param_groups:
                group["capturable"] = True  # Adam's step count stays on the GPU, in the graph

        # Capture needs a few eager iterations first (cuBLAS workspaces, Adam's state), and
        # those change the weights: keep them, and Adam's state, and put them back after.
        for solver in solvers:
            if not solver.state:  # a fresh run: make Adam's state now, so it can be kept
                _init_state(solver)
        states = [solver.state[p] for solver in solvers for group in solver.param_groups
                  for p in group["params"]]
        saved = [p.detach().clone() for p in params]
        saved_states = [{k: v.clone() for k, v in state.items()} for state in states]
        lrs = _set_lr(solvers, 0.0)  # warm-up steps change nothing, even at a wild lr
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                iteration(self.z, self.X, self.z_G)
        torch.cuda.current_stream().wait_stream(side)
        _set_lr(solvers, lrs)  # fused Adam's lr is a number the graph keeps

        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.outputs = iteration(self.z, self.X, self.z_G)  # rewritten by every replay

        with torch.no_grad():
            for p, value in zip(params, saved, strict=True):
                p.copy_(value)
            for state, kept in zip(states, saved_states, strict=True):
                for key, value in kept.items():
                    state[key].copy_(value)

    def __call__(self, z, X, z_G):
        """One iteration: (D_loss, G_loss, D_real, D_fake), as the eager iteration returns."""
        self.z.copy_(z)
        self.X.copy_(X)
        self.z_G.copy_(z_G)
        self.graph.replay()
        return self.outputs


def _set_lr(solvers, lr):
    """Set every group's lr to `lr` (a number, or the list this returns); returns the old."""
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
