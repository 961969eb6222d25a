"""Seeded random state: `SeedGenerator` and the global seed set by `set_random_seed`.

Every random draw in minikeras (initializers, Dropout masks, shuffling) comes from a
`numpy.random.Generator` derived from an explicit seed, so a whole `fit` is repeatable
after `keras.utils.set_random_seed(s)`.
"""
import random as _pyrandom

import numpy as onp

_global = {"rng": onp.random.default_rng(), "seeded": False}


def set_random_seed(seed):
    """Seeds Python's `random`, numpy's global state and minikeras's global generator."""
    if not isinstance(seed, (int, onp.integer)):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed} (of type {type(seed)})")
    _pyrandom.seed(int(seed))
    onp.random.seed(int(seed) % (2**32))
    _global["rng"] = onp.random.default_rng(int(seed))
    _global["seeded"] = True


def seeded():
    """Whether `set_random_seed` was called: the user asked for repeatable results."""
    return _global["seeded"]


def global_rng():
    return _global["rng"]


def draw_seed(seed=None):
    """An integer seed: `seed` itself, or a fresh one from the global generator."""
    if seed is None:
        return int(_global["rng"].integers(0, 2**31 - 1))
    if isinstance(seed, SeedGenerator):
        return seed.next_seed()
    return int(seed)


class SeedGenerator:
    """A stream of random generators, seeded from `seed` or from the global seed.

    Layers that draw random numbers (Dropout, GaussianNoise, ...) own one and call
    `self.seed_generator.rng()` for each draw.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        self.name = name or "seed_generator"
        self._rng = onp.random.default_rng(draw_seed(seed))

    def next_seed(self):
        return int(self._rng.integers(0, 2**31 - 1))

    def rng(self):
        return self._rng
