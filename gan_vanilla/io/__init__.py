"""The files the project writes and reads back, below everything else: atomic writes
(atomic.py), the one checked reader and writer of its CSV tables (csv_tables.py), and MNIST's
four IDX files (mnist.py). Nothing here imports the rest of the package, so the post's code
can use it."""
