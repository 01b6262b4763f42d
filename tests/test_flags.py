"""The train command's flags (run/flags.py): every bound refused by argparse in one line, the
same seed rule in every command, --help stating the bounds."""

import subprocess
import sys

import pytest

from gan_vanilla.cli.evaluate_command import main as evaluate_main
from gan_vanilla.cli.sample_command import main as sample_main
from gan_vanilla.cli.train_command import main as train_main

from .conftest import ROOT


@pytest.mark.parametrize("flag", ["--sample-every", "--checkpoint-every", "--log-every"])
@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_non_positive_intervals(flag, value, capsys):
    with pytest.raises(SystemExit) as e:
        train_main([flag, value])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}" in err and "Traceback" not in err


def test_a_bad_flag_from_the_terminal_has_no_traceback():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "train.py"), "--mb-size", "0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "usage:" in r.stderr


# --- Issue 8: what a hard try of every command still broke -------------------------------


@pytest.mark.parametrize("main,prog", [(train_main, "gan-vanilla-train"),
                                       (sample_main, "gan-vanilla-sample"),
                                       (evaluate_main, "gan-vanilla-evaluate")])
@pytest.mark.parametrize("seed", ["18446744073709551616", "9223372036854775808", "-1"])
def test_every_command_takes_the_same_seeds(main, prog, seed, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--checkpoint", "x.pt", "--seed", seed] if main is not train_main
             else ["--seed", seed])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: {prog}") and "Traceback" not in err
    assert f"argument --seed: '{seed}' must be between 0 and 9223372036854775807" in err


@pytest.mark.parametrize("flag,value,high", [("--log-every", "1000000000000", "1000000"),
                                             ("--z-dim", "100000000000", "10000"),
                                             ("--h-dim", "10001", "10000"),
                                             ("--mb-size", "60001", "60000"),
                                             ("--iterations", "10000000000000", "1000000000000")])
def test_sizes_that_no_machine_can_take_are_usage_errors(flag, value, high, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        train_main([flag, value, "--out-dir", str(tmp_path / "o")])
    assert e.value.code == 2
    assert f"argument {flag}: '{value}' must be between 1 and {high}" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_help_states_the_bounds(capsys):
    with pytest.raises(SystemExit):
        train_main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for bound in ("1 to 10000", "1 to 60000", "1 to 1000000 (default: 100)",
                  "0 to 2^63-1 (default: 0)", "1 to 10^12", "from 1 to 1024 fixes it"):
        assert bound in text, bound


@pytest.mark.parametrize("args", [["--lr", "-1e-3"], ["--lr=-1e-3"], ["--lr", "-0.001"]])
def test_a_negative_rate_is_refused_in_the_right_words(args, capsys):
    with pytest.raises(SystemExit) as e:
        train_main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --lr: '{args[-1].split('=')[-1]}' must be a positive, finite number" in err


@pytest.mark.parametrize("args", [
    ["--iterations", "0"], ["--mb-size", "-1"], ["--z-dim", "0"], ["--h-dim", "x"],
    ["--lr", "0"], ["--lr", "nan"], ["--lr", "inf"], ["--sample-every", "0"], ["--seed", "-1"],
    ["--device", "tpu"], ["--no-such-flag"], ["--seeds", "3-1"], ["--seeds", "a"],
    ["--seeds", "1,1"], ["--seeds", "-1"], ["--seeds", "0-100000"], ["--threads", "0"],
    ["--threads", "two"], ["--threads", "2000"],
])
def test_invalid_values_exit_2_with_usage(args, capsys):
    with pytest.raises(SystemExit) as e:
        train_main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: gan-vanilla-train") and "error:" in err
