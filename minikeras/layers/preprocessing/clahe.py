"""ContrastLimitedAdaptiveHistogramEqualization (CLAHE): histogram equalisation per tile."""
import numpy as onp

from minikeras.engine.autodiff import untraced
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


def _tile_lookup_tables(tiles, clip_limit):
    """(B, gh, gw, C, 256) equalisation tables from the (B, gh, gw, C, n) tile pixels."""
    n = tiles.shape[-1]
    values = onp.clip(tiles.astype("int32"), 0, 255)
    ids = onp.arange(values.size // n).reshape(values.shape[:-1] + (1,)) * 256
    hists = onp.bincount((ids + values).reshape(-1), minlength=values.size // n * 256)
    hists = hists.reshape(values.shape[:-1] + (256,)).astype("float32")
    if clip_limit > 0:  # clip each bin, share what was cut evenly among all bins
        clipped = onp.clip(hists, 0, onp.float32(clip_limit * n / 256.0))
        hists = clipped + onp.sum(hists - clipped, axis=-1, keepdims=True) / onp.float32(256.0)
    cdf = onp.cumsum(hists, axis=-1, dtype="float32")
    cdf_min = onp.min(cdf, axis=-1, keepdims=True)
    denominator = onp.float32(n) - cdf_min
    denominator = onp.where(denominator == 0, onp.float32(1), denominator)
    return onp.clip((cdf - cdf_min) * onp.float32(255.0) / denominator, 0, 255)


def _grid_positions(size, tile):
    """Neighbouring tile rows (in the edge-padded table grid) and the weight of the second."""
    g = (onp.arange(size, dtype="float32") - tile / 2.0) / tile + 1.0
    lower = onp.floor(g)
    return lower.astype("int32"), lower.astype("int32") + 1, (g - lower).astype("float32")


class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """On the (0, 255) scale: the image is cut into `tile_grid_size` tiles (padded
    symmetrically to a multiple); each tile's histogram is clipped at
    clip_limit * pixels / 256 per bin (the excess spread evenly), its cdf turned into a lookup
    table, and each pixel maps through the four nearest tiles' tables, bilinearly weighted.
    Applied in training and inference alike; the output has the input dtype.

    Args:
        value_range: (min, max) of the input values, default (0, 255).
        clip_limit: the contrast limit (0 or less: plain adaptive equalisation).
        tile_grid_size: (rows, columns) of tiles, default (8, 8).
    """

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images, transformation=None, training=True):
        images = onp.asarray(untraced(images))  # lookup tables: no gradient (zero in Keras too)
        channels_first = self.data_format == "channels_first"
        if channels_first:
            images = onp.moveaxis(images, -3, -1)
        dtype = images.dtype
        x = self._transform_value_range(images, self.value_range, (0, 255), "float32")
        x = self._clahe(x[None] if x.ndim == 3 else x)
        x = x[0] if images.ndim == 3 else x
        x = self._transform_value_range(x, (0, 255), self.value_range, "float32").astype(dtype)
        return onp.moveaxis(x, -1, -3) if channels_first else x

    def _clahe(self, images):
        b, height, width, channels = images.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        padded = onp.pad(images, [(0, 0), (0, tile_h * grid_h - height),
                                  (0, tile_w * grid_w - width), (0, 0)], mode="symmetric")
        tiles = padded.reshape(b, grid_h, tile_h, grid_w, tile_w, channels)
        tiles = tiles.transpose(0, 1, 3, 5, 2, 4).reshape(b, grid_h, grid_w, channels, -1)
        tables = _tile_lookup_tables(tiles, self.clip_limit)
        tables = onp.pad(tables, [(0, 0), (1, 1), (1, 1), (0, 0), (0, 0)], mode="edge")
        y0, y1, wy = _grid_positions(tile_h * grid_h, tile_h)
        x0, x1, wx = _grid_positions(tile_w * grid_w, tile_w)
        y0, y1 = onp.clip(y0, 0, grid_h + 1), onp.clip(y1, 0, grid_h + 1)
        x0, x1 = onp.clip(x0, 0, grid_w + 1), onp.clip(x1, 0, grid_w + 1)
        pixels = onp.clip(padded, 0, 255).astype("int32")
        bi = onp.arange(b)[:, None, None, None]
        ci = onp.arange(channels)[None, None, None, :]
        rows = [y[None, :, None, None] for y in (y0, y1)]
        cols = [x[None, None, :, None] for x in (x0, x1)]
        at = lambda r, c: tables[bi, r, c, ci, pixels]  # noqa: E731
        wy, wx = wy[None, :, None, None], wx[None, None, :, None]
        top = at(rows[0], cols[0]) * (1.0 - wx) + at(rows[0], cols[1]) * wx
        bottom = at(rows[1], cols[0]) * (1.0 - wx) + at(rows[1], cols[1]) * wx
        return (top * (1.0 - wy) + bottom * wy)[:, :height, :width, :]

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "clip_limit": self.clip_limit, "tile_grid_size": self.tile_grid_size,
                "data_format": self.data_format}
