"""Studies: many runs of several configurations and seeds. A study file read and checked
into its runs (plan.py; one run's folder, record and commands: folder.py), run (runner.py;
a configuration's seeds as one ensemble: ensembles.py), gathered into tables and figures
(report.py); docs/REPRODUCTION.md generated from a finished study's files (reproduction.py,
publish.py, wide.py); and the dynamics of the wide networks, measured as they train
(dynamics.py)."""
