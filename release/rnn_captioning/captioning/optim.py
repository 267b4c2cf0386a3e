"""Provided: first-order update rules.

Every rule has the signature

    next_w, config = rule(w, dw, config)

where `config` is a dict of hyperparameters plus any state the rule keeps
between steps (velocities, moment estimates). Pass the returned config back
in on the next call. Missing entries get the defaults below.
"""
import math

import numpy as np


def sgd(w, dw, config=None):
    """Plain stochastic gradient descent. config: learning_rate (1e-2)."""
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum.

    config: learning_rate (1e-2), momentum (0.9), velocity (zeros like w).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


def rmsprop(w, dw, config=None):
    """RMSProp: scale the step by a running average of squared gradients.

    config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), cache.
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))
    decay = config["decay_rate"]
    config["cache"] = decay * config["cache"] + (1 - decay) * dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    return next_w, config


def adam(w, dw, config=None):
    """Adam with bias-corrected first and second moment estimates.

    config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8),
    m and v (moment estimates, zeros like w), t (step count, 0).
    """
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    beta1, beta2, t = config["beta1"], config["beta2"], config["t"] + 1
    config["t"] = t
    # Moments are updated in place: no new arrays of the parameter's size.
    m, v = config["m"], config["v"]
    m *= beta1
    m += (1 - beta1) * dw
    v *= beta2
    v += (1 - beta2) * dw * dw
    # The bias corrections m / (1 - beta1^t) and v / (1 - beta2^t) are folded
    # into one scalar step size; the epsilon is rescaled so the update is the
    # same as with the corrected moments.
    correction = math.sqrt(1 - beta2 ** t)
    step = config["learning_rate"] * correction / (1 - beta1 ** t)
    next_w = w - step * m / (np.sqrt(v) + config["epsilon"] * correction)
    # Python-float hyperparameters must not turn float32 weights into float64.
    return next_w.astype(w.dtype, copy=False), config
