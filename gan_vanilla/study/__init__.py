"""Studies: many runs of several configurations and seeds. A study file read and checked
into its runs (plan.py; one run's folder, record and commands: folder.py), run (runner.py;
a configuration's seeds as one ensemble: stacked_runs.py), gathered into tables and figures
(report.py), read back (results.py); and is my run normal? one run placed among the committed
study's seeds of its settings (normal.py)."""
