"""RandAugment: applies `num_ops` operations drawn at random from a fixed list."""
from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.aug_mix import make_augmenters
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer


class RandAugment(BaseImagePreprocessingLayer):
    """Draws `num_ops` operation indices (with repetition) from shear, translation, rotation,
    brightness, colour degeneration, contrast, sharpness, posterization, solarization,
    auto-contrast and equalization, each of strength `factor`, and applies them in order
    (one choice per call, for the whole batch), in training; identity at inference.

    Args:
        value_range: (min, max) of the input values, default (0, 255).
        num_ops: number of operations per call (default 2).
        factor: strength of each operation: f gives [0, f]; in [0, 1] (default 0.5).
        interpolation: "bilinear" or "nearest" for the geometric operations.
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation",
                       "random_brightness", "random_color_degeneration", "random_contrast",
                       "random_sharpness", "random_posterization", "solarization",
                       "auto_contrast", "equalization"]

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self.seed = seed
        self.generator = SeedGenerator(seed)
        make_augmenters(self, self.factor, value_range, interpolation, seed, data_format, kwargs)

    def build(self, input_shape):
        for name in self._AUGMENT_LAYERS:
            getattr(self, name).build(input_shape)
        self.built = True

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng = self._rng(seed)
        indices = rng.integers(0, len(self._AUGMENT_LAYERS), size=(self.num_ops,)).astype("int32")
        transforms = {name: getattr(self, name).get_random_transformation(
            data, training=training, seed=rng) for name in self._AUGMENT_LAYERS}
        return {"transforms": transforms, "layer_idxes": indices}

    def _run_ops(self, x, transformation, method):
        names = list(transformation["transforms"])
        for index in transformation["layer_idxes"]:
            name = names[int(index)]
            x = getattr(getattr(self, name), method)(x, transformation["transforms"][name])
        return x

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        return self._run_ops(images, transformation, "transform_images").astype(self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        if not training:
            return bounding_boxes
        return self._run_ops(bounding_boxes, transformation, "transform_bounding_boxes")

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        return self._run_ops(segmentation_masks, transformation, "transform_segmentation_masks")

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "num_ops": self.num_ops, "factor": self.factor,
                "interpolation": self.interpolation, "seed": self.seed}
