"""RandomColorJitter: RandomBrightness, RandomContrast, RandomSaturation and RandomHue in turn."""
from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.preprocessing.random_brightness import RandomBrightness
from minikeras.layers.preprocessing.random_contrast import RandomContrast
from minikeras.layers.preprocessing.random_hue import RandomHue
from minikeras.layers.preprocessing.random_saturation import RandomSaturation


class RandomColorJitter(BaseImagePreprocessingLayer):
    """Applies, in this order, the adjustments whose factor is given (each with fresh random
    draws per call), in training; identity at inference.

    Args:
        value_range: (min, max) of the input values, default (0, 255).
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the `factor` of
            RandomBrightness, RandomContrast, RandomSaturation and RandomHue (None: skipped).
        seed: integer seed.
    """

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self.seed = seed
        self.generator = SeedGenerator(seed)
        def make(cls, factor):
            return None if factor is None else cls(factor=factor, value_range=value_range, seed=seed)
        self.random_brightness = make(RandomBrightness, brightness_factor)
        self.random_contrast = make(RandomContrast, contrast_factor)
        self.random_saturation = make(RandomSaturation, saturation_factor)
        self.random_hue = make(RandomHue, hue_factor)

    def _steps(self):
        return [s for s in (self.random_brightness, self.random_contrast,
                            self.random_saturation, self.random_hue) if s is not None]

    def build(self, input_shape):
        for step in self._steps():
            step.build(input_shape)
        self.built = True

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        for step in self._steps():
            t = step.get_random_transformation(images, seed=self._get_seed_generator())
            images = step.transform_images(images, t)
        return images.astype(self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor,
                "seed": self.seed}
