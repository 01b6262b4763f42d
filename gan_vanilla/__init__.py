"""gan-vanilla: the 2017 post "Generative Adversarial Networks (GAN) in Pytorch", reproduced.

Importing the package trains, downloads and touches CUDA never; see `gan_vanilla.train`."""

__version__ = "0.1.0"
