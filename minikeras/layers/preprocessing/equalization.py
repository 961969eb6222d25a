"""Equalization: histogram equalisation of each image channel (not random, not differentiable)."""
import numpy as onp

from minikeras.engine.autodiff import untraced
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class Equalization(BaseImagePreprocessingLayer):
    """Per channel (over the whole batch, as Keras), on the (0, 255) scale: a `bins`-bin
    histogram h of int((x - 0) * (bins - 1) / 255), cdf = cumsum(h), the lookup table
    round((cdf - cdf_min) * 255 / (cdf[-1] - cdf_min)) read at int(x / 255 * (bins - 1)).
    A channel with a single occupied bin is kept. Applied in training only.

    Args:
        value_range: (min, max) of the input values, default (0, 255).
        bins: number of histogram bins, default 256.
    """

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self._set_value_range(value_range)

    @staticmethod
    def _scale(values, source, target):
        scale = (target[1] - target[0]) / (source[1] - source[0])
        return values * scale + (target[0] - source[0] * scale)

    def _histogram(self, channel):
        scaled = (channel.astype("float32") - onp.float32(0)) * (self.bins - 1) / onp.float32(255)
        indices = onp.clip(scaled.astype("int32"), 0, self.bins - 1)
        return onp.bincount(indices.reshape(-1), minlength=self.bins)

    def _equalize_channel(self, channel, value_range):
        rescale = tuple(value_range) != (0, 255)
        if rescale:
            channel = self._scale(channel, value_range, (0, 255))
        hist = self._histogram(channel)
        if onp.count_nonzero(hist) > 1:
            cdf = onp.cumsum(hist)
            cdf_min = cdf[onp.argmax(cdf > 0)]
            denominator = cdf[-1] - cdf_min
            denominator = denominator if denominator != 0 else 1
            # XLA divides by multiplying with the float32 reciprocal: x.5 ties land as Keras's
            table = ((cdf - cdf_min) * 255).astype("float32") * (onp.float32(1) / onp.float32(denominator))
            table = onp.clip(onp.round(table), 0, 255)
            index = onp.clip(channel / 255.0 * (self.bins - 1), 0, self.bins - 1).astype("int32")
            channel = onp.take(table, index).astype(channel.dtype)
        if rescale:
            channel = self._scale(channel, (0, 255), value_range)
        return channel

    def transform_images(self, images, transformation, training=True):
        # a lookup table read at integer bins: no gradient flows back (zero in Keras too)
        images = onp.asarray(self._to_compute_dtype(untraced(images)))
        if not training:
            return images
        axis = -1 if self.data_format == "channels_last" else -3
        channels = [self._equalize_channel(onp.take(images, i, axis=axis), self.value_range)
                    for i in range(images.shape[axis])]
        return onp.stack(channels, axis=axis).astype(self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "bins": self.bins, "value_range": self.value_range}
