"""Preprocessing layers: Rescaling, Normalization, Resizing, the random augmentation layers
(RandomCrop, RandomFlip, RandomRotation, RandomZoom, RandomTranslation) and the lookup and
encoding layers of the structured-data tutorials (StringLookup, IntegerLookup, Hashing,
HashedCrossing, CategoryEncoding, Discretization)."""
from minikeras.layers.preprocessing.category_encoding import CategoryEncoding  # noqa: F401
from minikeras.layers.preprocessing.discretization import Discretization  # noqa: F401
from minikeras.layers.preprocessing.hashed_crossing import HashedCrossing  # noqa: F401
from minikeras.layers.preprocessing.hashing import Hashing  # noqa: F401
from minikeras.layers.preprocessing.integer_lookup import IntegerLookup  # noqa: F401
from minikeras.layers.preprocessing.normalization import Normalization  # noqa: F401
from minikeras.layers.preprocessing.random_affine import (  # noqa: F401
    RandomRotation, RandomTranslation, RandomZoom)
from minikeras.layers.preprocessing.random_crop import RandomCrop  # noqa: F401
from minikeras.layers.preprocessing.random_flip import RandomFlip  # noqa: F401
from minikeras.layers.preprocessing.rescaling import Rescaling  # noqa: F401
from minikeras.layers.preprocessing.resizing import Resizing  # noqa: F401
from minikeras.layers.preprocessing.string_lookup import StringLookup  # noqa: F401
# Image augmentation layers on Keras's get_random_transformation / transform_images protocol.
from minikeras.layers.preprocessing.auto_contrast import AutoContrast  # noqa: F401
from minikeras.layers.preprocessing.equalization import Equalization  # noqa: F401
from minikeras.layers.preprocessing.random_brightness import RandomBrightness  # noqa: F401
from minikeras.layers.preprocessing.random_color_degeneration import (  # noqa: F401
    RandomColorDegeneration)
from minikeras.layers.preprocessing.random_color_jitter import RandomColorJitter  # noqa: F401
from minikeras.layers.preprocessing.random_contrast import RandomContrast  # noqa: F401
from minikeras.layers.preprocessing.random_grayscale import RandomGrayscale  # noqa: F401
from minikeras.layers.preprocessing.random_hue import RandomHue  # noqa: F401
from minikeras.layers.preprocessing.random_invert import RandomInvert  # noqa: F401
from minikeras.layers.preprocessing.random_posterization import RandomPosterization  # noqa: F401
from minikeras.layers.preprocessing.random_saturation import RandomSaturation  # noqa: F401
from minikeras.layers.preprocessing.random_sharpness import RandomSharpness  # noqa: F401
from minikeras.layers.preprocessing.solarization import Solarization  # noqa: F401
from minikeras.layers.preprocessing.center_crop import CenterCrop  # noqa: F401
from minikeras.layers.preprocessing.clahe import (  # noqa: F401
    ContrastLimitedAdaptiveHistogramEqualization)
from minikeras.layers.preprocessing.random_elastic_transform import (  # noqa: F401
    RandomElasticTransform)
from minikeras.layers.preprocessing.random_erasing import RandomErasing  # noqa: F401
from minikeras.layers.preprocessing.random_gaussian_blur import RandomGaussianBlur  # noqa: F401
from minikeras.layers.preprocessing.random_perspective import RandomPerspective  # noqa: F401
from minikeras.layers.preprocessing.random_shear import RandomShear  # noqa: F401
from minikeras.layers.preprocessing.aug_mix import AugMix  # noqa: F401
from minikeras.layers.preprocessing.cut_mix import CutMix  # noqa: F401
from minikeras.layers.preprocessing.max_num_bounding_boxes import MaxNumBoundingBoxes  # noqa: F401
from minikeras.layers.preprocessing.mix_up import MixUp  # noqa: F401
from minikeras.layers.preprocessing.pipeline import Pipeline  # noqa: F401
from minikeras.layers.preprocessing.rand_augment import RandAugment  # noqa: F401
