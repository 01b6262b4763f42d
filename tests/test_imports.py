"""Every module of the package imports on its own, whichever a user imports first: a circular
import between the core and its subpackages shows only in the module imported first."""

import pkgutil
import subprocess
import sys

import gan_vanilla

MODULES = sorted(m.name for m in pkgutil.walk_packages(gan_vanilla.__path__, "gan_vanilla."))

# In a process of its own, so that the modules it loads again never mix with this one's.
EACH_FIRST = """
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] == "gan_vanilla"]:
        del sys.modules[loaded]  # the package alone starts afresh; torch stays loaded
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc().strip().splitlines()[-1])
print("\\n".join(failed))
"""


def test_every_module_imports_first():
    r = subprocess.run([sys.executable, "-c", EACH_FIRST, *MODULES], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_the_layout_is_what_the_readme_says():
    top = {m.split(".")[1] for m in MODULES}
    assert top == {"cli", "data", "ensemble", "grid", "measure", "model", "post2017", "run",
                   "settings", "study", "train"}


# A run without the quality monitor, start to end, in a process of its own.
ONE_ITERATION = """
import sys
from gan_vanilla.cli.train import main
code = main(sys.argv[1:])
print(" ".join(sorted({m.split(".")[0] for m in sys.modules})))
sys.exit(code)
"""


def test_a_run_imports_only_what_it_uses(mnist_dir, tmp_path):
    """torchvision (over a second of CPU) only downloads MNIST; torchmetrics only measures
    samples: a run that does neither imports neither."""
    r = subprocess.run([sys.executable, "-c", ONE_ITERATION, "--data-dir", str(mnist_dir),
                        "--out-dir", str(tmp_path / "o"), "--iterations", "1",
                        "--quality-every", "0", "--quiet"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    loaded = set(r.stdout.split())
    assert {"torch", "matplotlib", "gan_vanilla"} <= loaded  # it did run and draw
    assert not loaded & {"torchvision", "torchmetrics"}
