"""The declared dependency floors admit no version the code is known not to run on.

No older torch can be installed here, so the floors come from the libraries' release notes
(README, "Set-up"); this test keeps them from being lowered by mistake."""

import re

from .conftest import ROOT

# What the code needs, and the first release that has it.
NEEDS = {
    "torch": ((2, 4), "fused=True Adam on the CPU (the loop's two solvers)"),
    "torchvision": ((0, 19), "the torchvision release paired with torch 2.4"),
    "torchmetrics": ((1, 3), "FrechetInceptionDistance reading num_features of a custom module"),
}


def declared_floors():
    text = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"^dependencies = \[(.*?)^\]", text, re.S | re.M).group(1)
    return {name: tuple(int(p) for p in version.split("."))
            for name, version in re.findall(r'"([\w-]+)>=([\d.]+)"', deps)}


def test_declared_floors_are_the_versions_the_code_needs():
    floors = declared_floors()
    for name, (version, why) in NEEDS.items():
        assert floors[name] >= version, f"{name}>={version} is needed: {why}"
