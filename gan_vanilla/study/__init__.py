"""Studies: many runs of several configurations and seeds, read from a study file (plan.py),
run (runner.py), gathered (report.py) and read back (results.py); and is my run normal? one
run placed among the committed study's seeds of its settings (normal.py)."""
