"""`keras.datasets.california_housing`: 20,640 California block groups (1990 census), 8 features,
median house value in dollars (StatLib), read from `~/.keras/datasets/california_housing.npz`.

Features: MedInc, HouseAge, AveRooms, AveBedrms, Population, AveOccup, Latitude, Longitude.
"""
from minikeras.datasets._cache import ORIGIN, check_test_split, fetch, load_xy_npz, shuffle_split


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Loads California Housing as `(x_train, y_train), (x_test, y_test)`.

    `version="large"` uses all 20,640 rows, `"small"` the first 600. x: (n, 8); y: (n,). The
    rows are shuffled with `RandomState(seed)`; the last `test_split` fraction is the test set.
    """
    check_test_split(test_split)
    if version not in ("small", "large"):
        raise ValueError("Argument `version` must be one of 'small', 'large'. "
                         f"Received: version={version}")
    path = fetch("California Housing", path, f"{ORIGIN}california_housing.npz",
                 "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f")
    x, y = load_xy_npz(path)
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_split(x, y, test_split, seed)
