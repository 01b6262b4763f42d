"""--seeds: K runs of the post trained at once, stacked along a leading axis (docs/training.md,
"Many seeds at once"; the commands call them an ensemble of members, never averaged). With
`Wzh` (K, Z_dim, h_dim), `bzh` (K, 1, h_dim) and `z` (K, mb_size, Z_dim), the post's own
`z @ Wzh + bzh` is a batched product with a broadcast bias, so G, D and the loop in train.py
run K GANs unchanged, and one Adam, elementwise, steps each member as its own would. Here: the
set-up, each member's streams and batches (stack.py), its own mean loss (loss.py), and its
slice as a run of its own (slices.py)."""
