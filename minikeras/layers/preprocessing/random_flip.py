"""RandomFlip: flips each image of a batch with probability 1/2 in training; identity otherwise."""
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer, is_training

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


def _flip(x, axis):
    """x reversed along `axis` (a slice: autograd has no VJP for np.flip)."""
    index = [slice(None)] * x.ndim
    index[axis] = slice(None, None, -1)
    return x[tuple(index)]


class RandomFlip(BaseImagePreprocessingLayer):
    """Randomly flips images left-right and/or top-bottom during training.

    Each image draws u ~ U[0, 1) and is flipped when u <= 0.5. As in Keras 3, "horizontal_and_vertical"
    uses the same draw for both flips (an image is either flipped both ways or left alone).

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical".
        seed: integer seed for the flip draws.
    """

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(
                f"RandomFlip layer {self.name} received an unknown mode argument {mode}. "
                f"Expected one of {(HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)}.")
        self.mode = mode
        self.seed = seed
        self.generator = self.seed_generator = SeedGenerator(seed)

    def call(self, inputs, training=True):
        x = self._to_compute_dtype(inputs)
        self._check_rank(x.shape)
        if not is_training(training):
            return x
        draw_shape = (x.shape[0], 1, 1, 1) if x.ndim == 4 else (1, 1, 1)
        flips = self.seed_generator.rng().random(draw_shape, dtype="float32") <= 0.5
        height_axis, width_axis = self._spatial_axes()
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            x = anp.where(flips, _flip(x, width_axis), x)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            x = anp.where(flips, _flip(x, height_axis), x)
        return x

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
