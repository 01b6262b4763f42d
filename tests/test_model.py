import math
import subprocess
import sys

import torch
import torch.nn.functional as F

from gan_vanilla.model import PARAM_NAMES, init_params, make_D, make_G, xavier_init

SHAPES = {
    "Wzh": (100, 128), "bzh": (128,), "Whx": (128, 784), "bhx": (784,),
    "Wxh": (784, 128), "bxh": (128,), "Why": (128, 1), "bhy": (1,),
}


def test_eight_tensors_with_the_posts_names_and_shapes():
    params = init_params(Z_dim=100, h_dim=128, X_dim=784)
    assert tuple(params) == PARAM_NAMES
    for name, p in params.items():
        assert tuple(p.shape) == SHAPES[name], name
        assert p.requires_grad and p.is_leaf and p.dtype == torch.float32
    for bias in ("bzh", "bhx", "bxh", "bhy"):
        assert torch.count_nonzero(params[bias]) == 0


def test_xavier_init_standard_deviation_is_sqrt_2_over_fan_in():
    torch.manual_seed(0)
    for fan_in, fan_out in ((784, 128), (100, 128), (128, 784)):
        w = xavier_init([fan_in, fan_out])
        expected = math.sqrt(2 / fan_in)
        assert abs(w.std().item() - expected) / expected < 0.03
        assert abs(w.mean().item()) < 0.05 * expected


def test_G_and_D_shapes_and_output_ranges():
    torch.manual_seed(0)
    params = init_params(Z_dim=100, h_dim=128)
    G, D = make_G(params), make_D(params)
    X = G(torch.randn(64, 100))
    assert X.shape == (64, 784)
    assert X.min() > 0 and X.max() < 1  # sigmoid
    assert X.std() > 0
    y = D(X)
    assert y.shape == (64, 1)
    assert y.min() > 0 and y.max() < 1


def test_G_and_D_compute_the_posts_formulas():
    torch.manual_seed(0)
    p = init_params(Z_dim=5, h_dim=7, X_dim=11)
    for b in ("bzh", "bhx", "bxh", "bhy"):  # non-zero biases so the bias terms count
        with torch.no_grad():
            p[b].normal_()
    z = torch.randn(3, 5)
    X = make_G(p)(z)
    h = torch.clamp(z @ p["Wzh"] + p["bzh"].repeat(3, 1), min=0)
    assert torch.allclose(X, 1 / (1 + torch.exp(-(h @ p["Whx"] + p["bhx"].repeat(3, 1)))))
    y = make_D(p)(X)
    h = torch.clamp(X @ p["Wxh"] + p["bxh"].repeat(3, 1), min=0)
    assert torch.allclose(y, 1 / (1 + torch.exp(-(h @ p["Why"] + p["bhy"].repeat(3, 1)))))


def test_gradients_reach_all_eight_tensors():
    torch.manual_seed(0)
    params = init_params(Z_dim=100, h_dim=128)
    G, D = make_G(params), make_D(params)
    X_real = torch.rand(16, 784)
    ones, zeros = torch.ones(16, 1), torch.zeros(16, 1)
    D_loss = F.binary_cross_entropy(D(X_real), ones) + F.binary_cross_entropy(
        D(G(torch.randn(16, 100))), zeros
    )
    D_loss.backward()
    for name, p in params.items():
        assert p.grad is not None and torch.count_nonzero(p.grad) > 0, name


def test_importing_the_package_has_no_side_effects(tmp_path):
    code = (
        "import os, torch, gan_vanilla, gan_vanilla.train, gan_vanilla.model, "
        "gan_vanilla.data, gan_vanilla.cli, gan_vanilla.post2017\n"
        "assert not torch.cuda.is_initialized()\n"
        "assert os.listdir('.') == []\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
