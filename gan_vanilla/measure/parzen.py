"""The Parzen-window log-likelihood of the GAN paper (Goodfellow et al. 2014, Table 1): an
isotropic Gaussian of width sigma on each of N generator samples s_j gives a test image x

    log p(x) = logmeanexp_j( -||x - s_j||^2 / (2 sigma^2) ) - d log(sigma sqrt(2 pi))

with d = 784; sigma is chosen on validation images, and the mean over test images reported
with its standard error. Distances are computed in float64, a chunk of images at a time:
about chunk x N x 8 bytes for each sigma tried (10 sigmas, 200 images, N = 10,000: 160 MB)."""

import math

import torch

SIGMAS = torch.logspace(-1, 0, 10, dtype=torch.float64)  # 0.1 ... 1.0, log-spaced


def log_likelihoods(samples, x, sigmas, chunk=200):
    """log p(x) under the Parzen window on `samples`, for each sigma: (len(sigmas), len(x))."""
    s = samples.to(torch.float64)
    sigmas = torch.as_tensor(sigmas, dtype=torch.float64).reshape(-1, 1, 1)
    s_sq = (s * s).sum(1)  # (N,)
    d = s.shape[1]
    out = []
    for start in range(0, x.shape[0], chunk):
        xc = x[start : start + chunk].to(torch.float64)  # (B, d)
        # ||x - s||^2 = ||x||^2 + ||s||^2 - 2 x.s ; (B, d) @ (d, N) -> (B, N)
        d2 = ((xc * xc).sum(1, keepdim=True) + s_sq - 2 * xc @ s.T).clamp_(min=0)
        logmeanexp = torch.logsumexp(-d2 / (2 * sigmas**2), dim=2) - math.log(s.shape[0])
        out.append(logmeanexp - d * torch.log(sigmas.reshape(-1, 1) * math.sqrt(2 * math.pi)))
    return torch.cat(out, dim=1)


def parzen(samples, validation, test, sigmas=SIGMAS, chunk=200):
    """Choose sigma by the mean log-likelihood of `validation`; report on `test`: (mean
    log-likelihood of test in nats, its standard error, sigma, the mean validation
    log-likelihood of every sigma tried)."""
    sigmas = torch.as_tensor(sigmas, dtype=torch.float64)
    on_validation = log_likelihoods(samples, validation, sigmas, chunk).mean(dim=1)
    best = int(on_validation.argmax())
    sigma = float(sigmas[best])
    ll = log_likelihoods(samples, test, [sigma], chunk)[0]
    se = float(ll.std() / math.sqrt(ll.numel())) if ll.numel() > 1 else float("nan")
    return float(ll.mean()), se, sigma, on_validation.tolist()
