"""An ensemble's member as a run of its own: its slice of the stacked tensors and of Adam's
state, in a single run's shapes (Wzh[k] is (Z_dim, h_dim); bzh[k], (1, h_dim) to broadcast
over the member's rows, is a single run's (h_dim,)), and back. So `sample`, `evaluate` and
`--resume` read a member's checkpoint as any run's."""

import torch

from ..model import D_PARAM_NAMES, G_PARAM_NAMES

BIASES = ("bzh", "bhx", "bxh", "bhy")


def member_of(name, stacked, k):
    """Member k's tensor `name` in a single run's shape (a view); k = (): a single run's."""
    if k == ():
        return stacked
    return stacked[k].reshape(-1) if name in BIASES else stacked[k]


def stacked_of(name, members):
    """The tensors `name` of the members, stacked along a leading axis."""
    return torch.stack([m.reshape(1, -1) if name in BIASES else m for m in members])


def member_params(params, k):
    """Member k's eight tensors by name."""
    return {name: member_of(name, t, k) for name, t in params.items()}


def member_solver_state(state_dict, names, k):
    """Member k's part of an Adam state_dict over the stacked tensors `names` (G_PARAM_NAMES
    or D_PARAM_NAMES, in the solver's order): its rows of the moments; the shared step."""
    return {"state": {i: {key: (value if key == "step" else member_of(names[i], value, k).clone())
                          for key, value in state.items()}
                      for i, state in state_dict["state"].items()},
            "param_groups": state_dict["param_groups"]}


def stacked_solver_state(state_dicts, names):
    """The members' Adam state_dicts as one over the stacked tensors."""
    first = state_dicts[0]
    steps = {float(s["state"][i]["step"]) for s in state_dicts for i in s["state"]}
    if len(steps) > 1:
        raise ValueError("the members' solvers have taken different numbers of steps")
    return {"state": {i: {key: (value if key == "step" else
                                stacked_of(names[i], [s["state"][i][key] for s in state_dicts]))
                          for key, value in state.items()}
                      for i, state in first["state"].items()},
            "param_groups": first["param_groups"]}


def stacked_checkpoint(states):
    """The members' checkpoints, at one iteration, as one state for restore_state. Their grid
    counters may differ (a member went on alone with another --sample-every): the first's is
    the loop's, and each numbers its grids from its own (session.py, Member.grid_offset)."""
    found = sorted({s["iteration"] for s in states})
    if len(found) > 1:
        raise ValueError(f"the members' checkpoints are at different iterations "
                         f"({', '.join(map(str, found))})")
    return {**states[0],
            "params": {name: stacked_of(name, [s["params"][name] for s in states])
                       for name in states[0]["params"]},
            "G_solver": stacked_solver_state([s["G_solver"] for s in states], G_PARAM_NAMES),
            "D_solver": stacked_solver_state([s["D_solver"] for s in states], D_PARAM_NAMES)}
