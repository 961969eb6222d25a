"""AugMix: mixes an image with a few randomly augmented copies of itself."""
import numpy as onp
from autograd import numpy as anp

from minikeras.engine.random import SeedGenerator
from minikeras.layers.preprocessing.auto_contrast import AutoContrast
from minikeras.layers.preprocessing.base import BaseImagePreprocessingLayer
from minikeras.layers.preprocessing.equalization import Equalization
from minikeras.layers.preprocessing.random_affine import RandomRotation, RandomTranslation
from minikeras.layers.preprocessing.random_brightness import RandomBrightness
from minikeras.layers.preprocessing.random_color_degeneration import RandomColorDegeneration
from minikeras.layers.preprocessing.random_contrast import RandomContrast
from minikeras.layers.preprocessing.random_posterization import RandomPosterization
from minikeras.layers.preprocessing.random_sharpness import RandomSharpness
from minikeras.layers.preprocessing.random_shear import RandomShear
from minikeras.layers.preprocessing.solarization import Solarization

AUGMENT_LAYERS_ALL = ["random_shear", "random_translation", "random_rotation",
                      "random_posterization", "solarization", "auto_contrast", "equalization",
                      "random_brightness", "random_color_degeneration", "random_contrast",
                      "random_sharpness"]
AUGMENT_LAYERS = AUGMENT_LAYERS_ALL[:7]


def make_augmenters(owner, factor, value_range, interpolation, seed, data_format, kwargs,
                    colour=True):
    """The sub-layers AugMix and RandAugment choose from, as attributes of `owner`."""
    geo = dict(interpolation=interpolation, seed=seed, data_format=data_format, **kwargs)
    col = dict(value_range=value_range, seed=seed, data_format=data_format, **kwargs)
    owner.random_shear = RandomShear(x_factor=factor, y_factor=factor, **geo)
    owner.random_translation = RandomTranslation(height_factor=factor, width_factor=factor, **geo)
    owner.random_rotation = RandomRotation(factor=factor, **geo)
    owner.solarization = Solarization(addition_factor=factor, threshold_factor=factor, **col)
    owner.random_posterization = RandomPosterization(factor=max(1, int(8 * factor[1])), **col)
    owner.auto_contrast = AutoContrast(value_range=value_range, data_format=data_format, **kwargs)
    owner.equalization = Equalization(value_range=value_range, data_format=data_format, **kwargs)
    if colour:
        owner.random_brightness = RandomBrightness(factor=factor, **col)
        owner.random_color_degeneration = RandomColorDegeneration(factor=factor, **col)
        owner.random_contrast = RandomContrast(factor=factor, **col)
        owner.random_sharpness = RandomSharpness(factor=factor, **col)


class AugMix(BaseImagePreprocessingLayer):
    """out = clip(m x + (1 - m) sum_k w_k chain_k(x), value_range) with w ~ Dirichlet(alpha)
    over `num_chains` chains, m ~ Beta(alpha, alpha), each chain up to `chain_depth` random
    operations (each step picks an operation or nothing), in training; identity at inference.

    Args:
        value_range: (min, max) of the input values, default (0, 255).
        num_chains: number of augmentation chains (default 3).
        chain_depth: operations per chain (default 3).
        factor: strength of each operation: f gives [0, f]; in [0, 1] (default 0.3).
        alpha: Dirichlet / Beta parameter (default 1.0).
        all_ops: include brightness, colour degeneration, contrast and sharpness.
        interpolation: "bilinear" or "nearest" for the geometric operations.
        seed: integer seed.
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0,
                 all_ops=True, interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self._set_factor(factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.seed = seed
        self.generator = SeedGenerator(seed)
        self._augment_layers = AUGMENT_LAYERS_ALL if all_ops else AUGMENT_LAYERS
        make_augmenters(self, self.factor, value_range, interpolation, seed, data_format, kwargs,
                        colour=all_ops)

    def build(self, input_shape):
        for name in self._augment_layers:
            getattr(self, name).build(input_shape)
        self.built = True

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng = self._rng(seed)
        gammas = rng.gamma(self.alpha, 1.0, size=(self.num_chains,)).astype("float32")
        chains = []
        for _ in range(self.num_chains):
            steps = []
            for _ in range(self.chain_depth):
                choice = int(rng.integers(0, len(self._augment_layers) + 1))
                if choice == len(self._augment_layers):
                    continue  # the "no operation" choice
                name = self._augment_layers[choice]
                steps.append({"layer_name": name, "transformation":
                              getattr(self, name).get_random_transformation(data, seed=rng)})
            chains.append(steps)
        return {"chain_mixing_weights": gammas / gammas.sum(),
                "weight_sample": onp.float32(rng.beta(self.alpha, self.alpha)),
                "chain_transforms": chains}

    def _mix(self, x, transformation, method):
        weights = onp.asarray(transformation["chain_mixing_weights"]).astype(x.dtype)
        mixed = 0
        for k, chain in enumerate(transformation["chain_transforms"]):
            y = x
            for step in chain:
                y = getattr(getattr(self, step["layer_name"]), method)(y, step["transformation"])
            mixed = mixed + y * weights[k]
        m = x.dtype.type(transformation["weight_sample"])
        return m * x + (1 - m) * mixed

    def transform_images(self, images, transformation, training=True):
        images = self._to_compute_dtype(images)
        if not training:
            return images
        out = self._mix(images, transformation, "transform_images")
        return anp.clip(out, self.value_range[0], self.value_range[1]).astype(self.compute_dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training:
            return segmentation_masks
        return self._mix(segmentation_masks, transformation, "transform_segmentation_masks")

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "factor": self.factor, "alpha": self.alpha, "all_ops": self.all_ops,
                "interpolation": self.interpolation, "seed": self.seed}
