"""`evaluate`'s bad input: one clear line, exit 1 or 2, no traceback, checked before any work."""

import pytest

from gan_vanilla.cli.evaluate_command import main as evaluate_main

from .conftest import one_clear_line


def test_evaluate_checks_its_outputs_before_it_computes(finished_run, mnist_dir, tmp_path,
                                                        capsys):
    report = tmp_path / "missing" / "r.json"
    assert evaluate_main(["--checkpoint", str(finished_run / "checkpoint.pt"), "--data-dir",
                          str(mnist_dir), "--classifier-cache", str(tmp_path / "cache"),
                          "--json", str(report)]) == 1
    err = one_clear_line(capsys, "gan-vanilla-evaluate")
    assert f"cannot write {report}: folder {report.parent} does not exist" in err
    assert not (finished_run / "evaluation.png").exists()
    assert not (tmp_path / "cache").exists()  # no classifier was trained for nothing


def test_evaluate_needs_a_checkpoint_or_real(capsys):
    with pytest.raises(SystemExit) as e:
        evaluate_main([])
    assert e.value.code == 2 and "--checkpoint" in capsys.readouterr().err


def test_evaluate_refuses_a_checkpoint_that_is_not_ours(tmp_path, capsys):
    bad = tmp_path / "x.pt"
    bad.write_text("hello")
    assert evaluate_main(["--checkpoint", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gan-vanilla-evaluate: error:") and "Traceback" not in err
