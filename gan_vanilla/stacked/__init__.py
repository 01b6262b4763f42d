"""--seeds: K runs of the post trained at once, stacked along a leading axis. (The commands,
their messages and the folder's ensemble.json call them an ensemble and each run a member:
K independent runs, whose outputs are never averaged.)

With `Wzh` of shape (K, Z_dim, h_dim), `bzh` of shape (K, 1, h_dim) and `z` of shape
(K, mb_size, Z_dim), the post's own line `z @ Wzh + bzh` is a batched product with a
broadcast bias, so G, D and the loop in train.py run K GANs unchanged. Adam is elementwise:
one Adam over the stacked tensors steps each member as its own Adam would. What the stack
needs beyond that lives here: its set-up, with each member's own random streams and batches
(stack.py), a loss that is each member's own mean (loss.py), and each member's slice of the
stacked tensors as a run of its own, for its checkpoint (slices.py).
"""
