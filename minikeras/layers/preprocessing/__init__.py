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
