"""The same generator / PyDataset training code runs under real Keras 3 and minikeras with the
same loss trajectory, weights, predictions and PyDataset hook calls (identical initial weights,
SGD, shuffle=False)."""
import random
import warnings

import numpy as np
import pytest

import minikeras

X = np.random.default_rng(0).normal(size=(24, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3).astype("float32")
W = np.random.default_rng(1).normal(size=(3, 4)).astype("float32") * 0.5
W2 = np.random.default_rng(2).normal(size=(4, 1)).astype("float32") * 0.5
SW = np.linspace(0.5, 1.5, 24).astype("float32")


def finite(n_batches=6, size=4, weights=False):
    for i in range(n_batches):
        part = slice(i * size, (i + 1) * size)
        yield (X[part], Y[part], SW[part]) if weights else (X[part], Y[part])


def forever(size=5):
    i = 0
    while True:
        idx = np.arange(i * size, (i + 1) * size) % len(X)
        i += 1
        yield X[idx], Y[idx]


def make_dataset(K, calls, infinite=False):
    class Batches(K.utils.PyDataset):
        """Reorders its samples in `on_epoch_end` with its own seeded RNG (a common pattern)."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.order = np.arange(len(X))
            self.rng = np.random.default_rng(7)

        def __len__(self):
            return 5

        @property
        def num_batches(self):
            return None if infinite else len(self)

        def __getitem__(self, i):
            calls.append(("get", i % 5))
            idx = self.order[(i % 5) * 5:(i % 5) * 5 + 5]
            return X[idx], Y[idx]

        def on_epoch_begin(self):
            calls.append("begin")

        def on_epoch_end(self):
            calls.append("end")
            self.order = self.rng.permutation(len(X))

    # minikeras always runs serially, as Keras does with workers=1. (Keras's threaded workers > 1
    # prefetch: after fit's first-batch peek they deliver batches 1..n-1, 0 in every epoch.)
    return Batches(workers=1, use_multiprocessing=False, max_queue_size=4)


def model(K):
    m = K.Sequential([K.Input((3,)), K.layers.Dense(4, activation="tanh"), K.layers.Dense(1)])
    m.set_weights([W, np.zeros(4, "float32"), W2, np.zeros(1, "float32")])
    m.compile(K.optimizers.SGD(0.05), "mse", metrics=["mae"])
    return m


def scenario(K, name):
    """Runs one training recipe; returns everything observable."""
    calls = []
    m = model(K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "finite_generator_3_epochs":
            h = m.fit(finite(), epochs=3, verbose=0)
        elif name == "infinite_generator_steps":
            h = m.fit(forever(), steps_per_epoch=3, epochs=3, verbose=0,
                      validation_data=forever(7), validation_steps=2)
        elif name == "generator_with_sample_weights":
            h = m.fit(finite(weights=True), epochs=1, verbose=0)
        elif name == "pydataset":
            h = m.fit(make_dataset(K, calls), epochs=3, shuffle=False, verbose=0,
                      validation_data=finite(3, 8))
        elif name == "pydataset_shuffled_batches":  # both shuffle batch indices with `random`
            random.seed(3)
            h = m.fit(make_dataset(K, calls), epochs=3, verbose=0)
        elif name == "infinite_pydataset":
            h = m.fit(make_dataset(K, calls, infinite=True), epochs=2, steps_per_epoch=3,
                      verbose=0)
        else:
            raise AssertionError(name)
        ev = m.evaluate(finite(3, 8), verbose=0, return_dict=True)
        pred = m.predict(((X[i:i + 10],) for i in range(0, 24, 10)), verbose=0)
        pred_ds = m.predict(make_dataset(K, []), verbose=0)
    return {"history": {k: np.array(v) for k, v in h.history.items()}, "evaluate": ev,
            "weights": m.get_weights(), "predict": pred, "predict_ds": pred_ds, "calls": calls}


@pytest.mark.parametrize("name", ["finite_generator_3_epochs", "infinite_generator_steps",
                                  "generator_with_sample_weights", "pydataset",
                                  "pydataset_shuffled_batches",
                                  "infinite_pydataset"])
def test_generators_and_pydatasets_train_like_keras(keras, name):
    ours, theirs = scenario(minikeras, name), scenario(keras, name)
    assert sorted(ours["history"]) == sorted(theirs["history"])
    for key in theirs["history"]:
        np.testing.assert_allclose(ours["history"][key], theirs["history"][key], rtol=1e-5, atol=1e-6)
    assert ours["evaluate"] == pytest.approx(theirs["evaluate"], rel=1e-5, abs=1e-6)
    for a, b in zip(ours["weights"], theirs["weights"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours["predict"], theirs["predict"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours["predict_ds"], theirs["predict_ds"], rtol=1e-5, atol=1e-6)
    assert ours["calls"] == theirs["calls"]


def errors(K):
    m = model(K)
    out = []
    for call in (lambda: m.fit(finite(), Y, verbose=0),
                 lambda: m.fit(finite(), sample_weight=SW, verbose=0),
                 lambda: m.fit(finite(), class_weight={0: 1.0}, verbose=0),
                 lambda: m.fit((x for x in []), verbose=0),
                 lambda: m.fit((X for _ in range(2)), verbose=0),
                 lambda: m.fit(finite(), validation_split=0.5, verbose=0),
                 lambda: m.fit(iter([(X, Y)]), verbose=0),
                 lambda: m.fit(make_dataset(K, []), Y, verbose=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(ValueError) as info:
                call()
        out.append(str(info.value).split("Received")[0].split("x=<")[0])
    return out


def test_error_messages_match_keras(keras):
    assert errors(minikeras) == errors(keras)


def test_shuffle_warning_and_ran_out_warning_match_keras(keras):
    def messages(K):
        m = model(K)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.fit(finite(), epochs=2, verbose=0)
        return sorted({str(w.message)[:60] for w in caught})
    assert messages(minikeras) == messages(keras)
