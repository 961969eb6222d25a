"""`keras.datasets.boston_housing`: 506 Boston suburbs, 13 attributes, median value in k$
(StatLib, CMU), read from `~/.keras/datasets/boston_housing.npz`.

Keras warns that this dataset has an ethical problem (its "B" variable); prefer
`california_housing.load_data(version="small")`.
"""
from minikeras.datasets._cache import ORIGIN, check_test_split, fetch, load_xy_npz, shuffle_split


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads Boston Housing as `(x_train, y_train), (x_test, y_test)`.

    x: float64 (n, 13); y: float64 (n,). The rows are shuffled with `RandomState(seed)` and the
    last `test_split` fraction becomes the test set.
    """
    check_test_split(test_split)
    path = fetch("Boston Housing", path, f"{ORIGIN}boston_housing.npz",
                 "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")
    x, y = load_xy_npz(path)
    return shuffle_split(x, y, test_split, seed)
