"""What a real run needs beyond the post's loop: the command line's flags, config.json,
checkpoints and resume, stopping on signals, the loss log, the quality monitor, the best
generator, TensorBoard, losses.png and progress.gif, the device path (NaN guard, CUDA graph),
MNIST's file checks and atomic writes. train.py reaches all of it through `Run`
(session.py)."""
