"""Preprocessing layers of the image tutorials: Rescaling, Normalization, Resizing and the
random augmentation layers (RandomFlip, RandomRotation, RandomZoom, RandomTranslation)."""
from minikeras.layers.preprocessing.normalization import Normalization  # noqa: F401
from minikeras.layers.preprocessing.random_affine import (  # noqa: F401
    RandomRotation, RandomTranslation, RandomZoom)
from minikeras.layers.preprocessing.random_crop import RandomCrop  # noqa: F401
from minikeras.layers.preprocessing.random_flip import RandomFlip  # noqa: F401
from minikeras.layers.preprocessing.rescaling import Rescaling  # noqa: F401
from minikeras.layers.preprocessing.resizing import Resizing  # noqa: F401
