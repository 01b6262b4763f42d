"""Studies: many runs of several configurations and seeds (runner.py), their tables and
figures (report.py), and docs/REPRODUCTION.md's tables generated from them
(reproduction.py)."""
