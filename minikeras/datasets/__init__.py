"""`keras.datasets`: Keras's datasets read from its cache (`$KERAS_HOME/datasets`, by default
`~/.keras/datasets`) or downloaded there, plus `digits`: a small real dataset shipped inside the
package, usable offline (`digits.load_data(size=28)` gives MNIST-shaped images)."""
from minikeras.datasets import (  # noqa: F401
    boston_housing, california_housing, cifar10, cifar100, digits, fashion_mnist, imdb, mnist,
    reuters)
from minikeras.datasets._cache import DatasetNotAvailableError  # noqa: F401
