"""docs/tutorial.ipynb: committed with its outputs from one top-to-bottom run, and it still
runs top to bottom in a fresh kernel on the real MNIST."""

import ast
import contextlib
import io
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import REAL_DATA, ROOT

NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def check_ran_in_order_without_errors(nb, stderr=False):
    cells = code_cells(nb)
    # 1, 2, 3, ...: every code cell ran, once, in order, in one kernel.
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1))
    for i, cell in enumerate(cells, start=1):
        for output in cell.outputs:
            assert output.output_type != "error", f"cell [{i}]: {output.get('ename')}"
            # Warnings land on stderr: the committed page shows none. (A fresh environment may
            # add one of its own, such as matplotlib building its font cache.)
            assert stderr or output.get("name") != "stderr", f"cell [{i}] wrote to stderr"


def test_committed_notebook_ran_top_to_bottom_without_errors():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    check_ran_in_order_without_errors(nb)
    # Outputs are committed, so the page reads without running anything: every code cell
    # shows what it did.
    assert all(cell.outputs for cell in code_cells(nb))
    assert NOTEBOOK.stat().st_size < 2_000_000


def test_the_notebook_writes_the_posts_code_out_and_checks_it_against_the_package():
    # The lesson is the code itself: xavier_init, G, D and reset_grad defined in the notebook,
    # and the post's loop written out, not replaced by calls to the package.
    nb = nbformat.read(NOTEBOOK, as_version=4)
    trees = [ast.parse(cell.source) for cell in code_cells(nb)]
    defined = {node.name for tree in trees for node in tree.body
               if isinstance(node, ast.FunctionDef)}
    assert {"xavier_init", "G", "D", "reset_grad"} <= defined
    loops = [node for tree in trees for node in tree.body if isinstance(node, ast.For)
             and ast.unparse(node.target) == "it" and ast.unparse(node.iter).startswith("range(")]
    assert len(loops) == 2, "two training loops, `for it in range(...)`: MNIST's and the toy's"
    body = ast.unparse(loops[0])
    for line in ("G_sample = G(z)", "D_loss.backward()", "D_solver.step()", "reset_grad()",
                 "G_loss.backward()", "G_solver.step()"):
        assert line in body, line
    # The 2-D toy trains with the same loop, line for line, but for the line that samples X.
    mnist, toy = (ast.unparse(loop).splitlines() for loop in loops)
    assert len(mnist) == len(toy)
    assert [(a.strip(), b.strip()) for a, b in zip(mnist, toy, strict=True) if a != b] == [
        ("X, _ = mnist.train.next_batch(mb_size)", "X = next_batch(mb_size)")]
    # ... and checked: the package's tensors from the same seed, and train()'s after the loop.
    source = "\n".join(cell.source for cell in code_cells(nb))
    assert "init_params(" in source and "train(" in source
    assert source.count("torch.equal(") >= 4


# The cells that only read the study's committed files (docs/study) carry this tag. They need
# nothing from the cells before them but ROOT, so they run here in a moment, without MNIST or
# training, and must print exactly what the committed notebook shows.
COMMITTED_DATA = "committed-data"
READS_THE_STUDY = ("STUDY", "read_rows(", "run_log(")  # the study's path and its two readers


def test_the_cells_that_read_committed_files_still_print_their_committed_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = code_cells(nb)
    tagged = [cell for cell in cells if COMMITTED_DATA in cell.metadata.get("tags", [])]
    # Every cell that reads the study is tagged, and only those are: none escapes the check.
    assert tagged == [cell for cell in cells if any(s in cell.source for s in READS_THE_STUDY)]
    assert len(tagged) == 4  # the losses' ceiling, the losses, 3s and 8s, the configurations
    namespace = {"ROOT": ROOT}  # what the set-up cell defines that these cells use
    for cell in tagged:
        where = f"cell [{cell.execution_count}]"
        assert cell.outputs and all(o.output_type == "stream" and o.name == "stdout"
                                    for o in cell.outputs), f"{where}: text on stdout only"
        committed = "".join(o.text for o in cell.outputs)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(cell.source, where, "exec"), namespace)  # its asserts run too
        # A rerun of the study that changes a number fails here: execute the notebook again
        # and read its text against the new output.
        assert printed.getvalue() == committed, f"{where} prints something else from the files"


def test_the_notebook_links_its_pictures_and_names_no_machine_paths():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    markdown = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    # The full run's pictures are linked, not pasted in as bytes, and the links resolve.
    assert "evaluation.png" in links
    for link in links:
        assert not link.startswith(("data:", "attachment:", "/")), link
        assert (NOTEBOOK.parent / link).is_file(), link
    assert not any(cell.get("attachments") for cell in nb.cells)
    text = NOTEBOOK.read_text()
    # This checkout's own folders (where they are more than "/") and the usual homes.
    here = [str(p) for p in (ROOT, ROOT.parent) if len(p.parts) > 1]
    for path in (*here, "/home/", "/root/", "/tmp/", "/Users/"):
        assert path not in text, path


@pytest.mark.real_data
@pytest.mark.slow  # about 100 s on 2 cores under light load from other jobs; CI runs -m slow
@pytest.mark.skipif(
    not (REAL_DATA / "MNIST" / "raw" / "train-images-idx3-ubyte").exists(),
    reason=f"real MNIST not found in {REAL_DATA}",
)
def test_the_tutorial_runs_top_to_bottom_in_a_fresh_kernel(tmp_path, monkeypatch):
    # The kernel inherits this environment: it imports this checkout's package and writes
    # into a temporary folder instead of out/tutorial.
    monkeypatch.setenv("GAN_TUTORIAL_OUT", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in code_cells(nb):
        cell.outputs, cell.execution_count = [], None
    # As Jupyter does, the kernel starts in the notebook's folder. Any cell error raises.
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    check_ran_in_order_without_errors(nb, stderr=True)
    # It wrote where it was told: train()'s run, the classifier it trained.
    assert (tmp_path / "run" / "losses.csv").exists()
    assert list((tmp_path / "classifier").glob("classifier-*.pt"))
