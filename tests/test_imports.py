"""Every module of the package imports on its own, whichever a user imports first; the imports
go one way, from the commands down to the post's code, with no circle; and a run imports only
what it uses."""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

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


def test_the_layout_is_what_docs_layout_md_says():
    top = {m.split(".")[1] for m in MODULES}
    assert top == {name for layer in LAYERS for name in layer}
    page = (Path(gan_vanilla.__file__).parents[1] / "docs" / "layout.md").read_text()
    packages = {m.split(".")[1] for m in MODULES if m.count(".") == 2}
    assert all(f"  {name}/" in page for name in packages), packages


# The package's floors, from the ground up. A module imports modules of its own floor or
# below, never above: the post's code knows nothing of the machinery, the machinery nothing
# of the commands. train.py stands on the machinery it reaches through Run alone, and
# nothing below it imports it.
LAYERS = (
    ("io",),  # the files written and read back: atomic writes, CSV tables, MNIST's IDX files
    ("settings", "model", "data", "grid", "post2017"),  # the post's code
    ("stacked", "measure"),  # --seeds: K runs stacked; measuring a generator's samples
    ("run",),  # what a real run needs beyond the post's loop
    ("train",),  # the post's loop
    ("study",),  # a user's studies: many runs, their tables; is my run normal?
    ("cli",),  # the terminal commands
)
FLOOR = {name: floor for floor, names in enumerate(LAYERS) for name in names}


def imports_of(module, within="gan_vanilla."):
    """The package modules `module` imports, at its top or inside a function: each as
    gan_vanilla.X.Y (a name imported from a package counts as its module, where it is one)."""
    path = ROOT_PACKAGE.joinpath(*module.split(".")[1:])
    is_package = path.is_dir()
    source = (path / "__init__.py") if is_package else path.with_suffix(".py")
    here = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = (here[: len(here) - node.level + 1] if node.level else [])
            target = ".".join(base + (node.module.split(".") if node.module else []))
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.startswith(within) and m != module}


ROOT_PACKAGE = Path(gan_vanilla.__file__).parent
GRAPH = {m: imports_of(m) for m in MODULES}


def test_no_module_imports_from_a_floor_above_its_own():
    upward = [f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
              if FLOOR[b.split(".")[1]] > FLOOR[a.split(".")[1]]]
    assert upward == []


def test_no_modules_import_each_other_in_a_circle():
    state, circle = {}, []

    def visit(m, path):
        state[m] = "open"
        for n in sorted(GRAPH[m]):
            if state.get(n) == "open":
                circle.append(" -> ".join([*path[path.index(n):], n]))
            elif n not in state:
                visit(n, [*path, n])
        state[m] = "done"

    for m in MODULES:
        if m not in state:
            visit(m, [m])
    assert circle == []


def test_the_package_never_imports_the_docs_tooling():
    """What regenerates this repository's pages (docs/tools/, on jinja2, a test extra) is no
    part of what a user installs: no module of the package imports it, and compare, which
    reads the committed study, loads neither it nor the training loop."""
    assert [m for m in MODULES
            if {n.split(".")[0] for n in imports_of(m, within="")} & {"jinja2", "tools"}] == []
    r = subprocess.run([sys.executable, "-c", "import sys, gan_vanilla.cli.compare_command; print("
                        "' '.join(sorted(m for m in sys.modules if m.startswith(('jinja2', "
                        "'tools', 'gan_vanilla.train')))))"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == []


# A run without the quality monitor, start to end, in a process of its own.
ONE_ITERATION = """
import sys
from gan_vanilla.cli.train_command import main
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
