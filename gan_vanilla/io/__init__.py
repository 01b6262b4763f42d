"""The files the project writes and reads back: atomic writes, its CSV tables, MNIST's IDX files.
Nothing here imports the rest of the package, so the post's code can use it."""
