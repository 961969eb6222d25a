"""`keras.layers`."""
from minikeras.layers.layer import InputSpec, Layer  # noqa: F401
from minikeras.layers.core import Dense, Dropout, Flatten, Identity, Input, InputLayer  # noqa: F401
from minikeras.layers.activations import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax  # noqa: F401
from minikeras.layers.merging import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract,
    add, average, concatenate, dot, maximum, minimum, multiply, subtract)
from minikeras.layers.reshaping import Permute, RepeatVector, Reshape  # noqa: F401
from minikeras.layers.lambda_layer import Lambda  # noqa: F401
