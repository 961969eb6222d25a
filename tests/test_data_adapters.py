"""fit / evaluate / predict fed by Python generators and `keras.utils.PyDataset`: the same
numbers as the equivalent arrays (shuffle=False), Keras's epoch rules and Keras's errors."""
import math
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import config, layers

X = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-1.0], [2.0]], "float32")).astype("float32")
SW = np.linspace(0.2, 2.0, 20).astype("float32")
# Keras warns whenever a finite generator ends an epoch; the tests that care check it.
pytestmark = pytest.mark.filterwarnings("ignore:Your input ran out of data")


def model(metrics=("mae",)):
    keras.utils.set_random_seed(5)
    m = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.05), "mse", metrics=list(metrics))
    return m


def batches(size=4, weights=False, n=None):
    """A finite generator over X, Y in order (the last batch may be short)."""
    for start in range(0, len(X) if n is None else n * size, size):
        part = slice(start, start + size)
        yield (X[part], Y[part], SW[part]) if weights else (X[part], Y[part])


def forever(size=4):
    while True:
        yield from batches(size)


class Batches(keras.utils.PyDataset):
    def __init__(self, size=4, weights=False, **kwargs):
        super().__init__(**kwargs)
        self.size, self.weights, self.log = size, weights, []

    def __len__(self):
        return math.ceil(len(X) / self.size)

    def __getitem__(self, i):
        self.log.append(i)
        part = slice(i * self.size, (i + 1) * self.size)
        return (X[part], Y[part], SW[part]) if self.weights else (X[part], Y[part])

    def on_epoch_begin(self):
        self.log.append("begin")

    def on_epoch_end(self):
        self.log.append("end")


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def assert_same(a, b):
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-6, atol=1e-7)


# --- the same numbers as arrays -------------------------------------------------------------
@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("source", ["generator", "pydataset"])
def test_one_epoch_equals_arrays(source, weights):
    ref = model()
    h_ref = ref.fit(X, Y, batch_size=4, shuffle=False, verbose=0, sample_weight=SW if weights else None)
    m = model()
    data = batches(weights=weights) if source == "generator" else Batches(weights=weights)
    h = quiet(m.fit, data, shuffle=False, verbose=0)
    assert_same(m.get_weights(), ref.get_weights())
    assert h.history["loss"] == pytest.approx(h_ref.history["loss"], rel=1e-6)
    assert h.history["mae"] == pytest.approx(h_ref.history["mae"], rel=1e-6)


def test_pydataset_several_epochs_equals_arrays_and_calls_hooks_like_keras():
    ref = model()
    h_ref = ref.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0)
    m, ds = model(), Batches(workers=4, use_multiprocessing=True, max_queue_size=2)
    h = m.fit(ds, epochs=3, shuffle=False, verbose=0)
    assert_same(m.get_weights(), ref.get_weights())
    assert h.history["loss"] == pytest.approx(h_ref.history["loss"], rel=1e-6)
    # Keras peeks at batch 0 to build the model, then runs on_epoch_end once before training.
    epoch = ["begin", 0, 1, 2, 3, 4, "end"]
    assert ds.log == ["begin", 0, "end"] + epoch * 3
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (4, True, 2)


def test_infinite_generator_with_steps_per_epoch_continues_across_epochs():
    ref = model()
    h_ref = ref.fit(X, Y, batch_size=4, epochs=4, shuffle=False, verbose=0)
    m = model()
    h = quiet(m.fit, forever(), steps_per_epoch=5, epochs=4, verbose=0)
    assert_same(m.get_weights(), ref.get_weights())
    assert h.history["loss"] == pytest.approx(h_ref.history["loss"], rel=1e-6)
    # 3 steps per epoch: the next epoch picks up where the last one stopped (batches 3, 4, 0).
    ref2 = model()
    for part in (np.arange(12), np.r_[12:20, 0:4]):
        ref2.fit(X[part], Y[part], batch_size=4, shuffle=False, verbose=0)
    m2 = model()
    h2 = quiet(m2.fit, forever(), steps_per_epoch=3, epochs=2, verbose=0)
    assert_same(m2.get_weights(), ref2.get_weights())
    assert h2.params["steps"] == 3 and len(h2.history["loss"]) == 2


def test_evaluate_and_predict_equal_arrays():
    m = model()
    expected = m.evaluate(X, Y, batch_size=4, verbose=0, sample_weight=SW)
    assert m.evaluate(batches(weights=True), verbose=0) == pytest.approx(expected, rel=1e-6)
    assert m.evaluate(Batches(weights=True), verbose=0) == pytest.approx(expected, rel=1e-6)
    pred = m.predict(X, batch_size=4, verbose=0)
    np.testing.assert_allclose(m.predict(batches(), verbose=0), pred, rtol=1e-6)  # y is ignored
    np.testing.assert_allclose(m.predict(((X[i:i + 3],) for i in range(0, 20, 3)), verbose=0), pred, rtol=1e-6)
    np.testing.assert_allclose(m.predict(Batches(), verbose=0), pred, rtol=1e-6)
    np.testing.assert_allclose(m.predict(forever(), steps=2, verbose=0), pred[:8], rtol=1e-6)


def test_pydataset_may_return_a_bare_array_or_a_list():
    class Inputs(keras.utils.PyDataset):
        def __init__(self):  # a Keras 2 style Sequence: no super().__init__()
            pass

        def __len__(self):
            return 2

        def __getitem__(self, i):
            return X[i * 10:(i + 1) * 10]

    class Lists(Batches):
        def __getitem__(self, i):
            return list(super().__getitem__(i))

    m = model()
    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        out = m.predict(Inputs(), verbose=0)
    np.testing.assert_allclose(out, m.predict(X, verbose=0), rtol=1e-6)
    assert m.evaluate(Lists(), verbose=0) == pytest.approx(m.evaluate(X, Y, batch_size=4, verbose=0))


def test_validation_data_generator_and_pydataset():
    ref = model()
    h_ref = ref.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_data=(X, Y))
    m = model()
    h = m.fit(Batches(), epochs=2, shuffle=False, verbose=0, validation_data=Batches())
    assert h.history["val_loss"] == pytest.approx(h_ref.history["val_loss"], rel=1e-6)
    assert h.history["val_mae"] == pytest.approx(h_ref.history["val_mae"], rel=1e-6)
    # Each validation run restarts a generator's pass, replaying its first two batches (Keras).
    m2 = model()
    h2 = quiet(m2.fit, forever(), steps_per_epoch=5, epochs=2, verbose=0,
               validation_data=forever(), validation_steps=5)
    assert h2.history["val_loss"][0] == pytest.approx(h_ref.history["val_loss"][0], rel=1e-6)
    assert_same(m2.get_weights(), ref.get_weights())
    order = np.r_[0:8, 0:12]  # epoch 2's validation: batches 0, 1 replayed, then 0, 1, 2
    expected = m2.evaluate(X[order], Y[order], batch_size=4, verbose=0)[0]
    assert h2.history["val_loss"][1] == pytest.approx(expected, rel=1e-6)


def test_class_weight_with_pydataset_equals_arrays():
    yc = (X[:, 0] > 0).astype("int32")

    class Classes(keras.utils.PyDataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return X[i * 4:(i + 1) * 4], yc[i * 4:(i + 1) * 4]

    def clf():
        keras.utils.set_random_seed(1)
        m = keras.Sequential([keras.Input((3,)), layers.Dense(2, activation="softmax")])
        m.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        return m

    ref, m = clf(), clf()
    ref.fit(X, yc, batch_size=4, shuffle=False, class_weight={0: 0.2, 1: 3.0}, verbose=0)
    quiet(m.fit, Classes(), shuffle=False, class_weight={0: 0.2, 1: 3.0}, verbose=0)
    assert_same(m.get_weights(), ref.get_weights())


def test_unbuilt_model_builds_from_the_first_batch():
    keras.utils.set_random_seed(5)
    m = keras.Sequential([layers.Dense(2)])
    m.compile("sgd", "mse")
    quiet(m.fit, ((X[i:i + 5], Y[i:i + 5].repeat(2, 1)) for i in range(0, 20, 5)), verbose=0)
    assert m.built and m.layers[0].kernel.shape == (3, 2)


# --- Keras's epoch rules ----------------------------------------------------------------------
def test_finite_generator_over_several_epochs_warns_and_replays_its_first_batches():
    m = model()
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        h = m.fit(batches(), epochs=2, shuffle=False, verbose=0)
    ref = model()
    ref.fit(X, Y, batch_size=4, shuffle=False, verbose=0)
    ref.fit(X[:8], Y[:8], batch_size=4, shuffle=False, verbose=0)  # Keras's epoch 2: the peeked 2
    assert_same(m.get_weights(), ref.get_weights())
    assert len(h.history["loss"]) == 2


def test_more_steps_than_the_data_holds_stops_the_epoch_with_a_warning():
    m = model()
    with pytest.warns(UserWarning, match="ran out of data"):
        m.fit(X, Y, batch_size=4, steps_per_epoch=8, epochs=1, shuffle=False, verbose=0)
    assert int(m.optimizer.iterations.numpy()) == 5


def test_shuffle_true_with_a_generator_warns():
    with pytest.warns(UserWarning, match="`shuffle=True` was passed, but will be ignored"):
        model().fit(batches(), verbose=0)


def test_progress_bar_learns_the_length_of_a_generator(capsys):
    quiet(model().fit, batches(), verbose=2)
    out = capsys.readouterr().out
    assert out.startswith("5/5 - ")


def test_max_epochs_and_max_steps_per_epoch():
    try:
        config.set_max_epochs(2)
        config.set_max_steps_per_epoch(3)
        m = model()
        with pytest.warns(UserWarning, match="Limiting"):
            h = m.fit(X, Y, batch_size=4, epochs=10, verbose=0)
        # 3 steps, then the last 2 batches of the pass (the epoch ends with the data).
        assert h.epoch == [0, 1] and int(m.optimizer.iterations.numpy()) == 5
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)
    assert config.max_epochs() is None and config.max_steps_per_epoch() is None


# --- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("call, message", [
    (lambda m: m.fit(batches(), Y), "When providing `x` as a generator, `y` should not be passed"),
    (lambda m: m.fit(batches(), sample_weight=SW),
     "When providing `x` as a generator, `sample_weights` should not be passed"),
    (lambda m: m.fit(Batches(), Y), "When providing `x` as a PyDataset, `y` should not be passed"),
    (lambda m: m.fit(batches(), class_weight={0: 1.0}),
     r"Argument `class_weight` is not supported for Python generator inputs. Received: class_weight=\{0: 1.0\}"),
    (lambda m: m.fit(x for x in []), "the generator must yield at least one batch. Received an empty generator"),
    (lambda m: m.fit(X for _ in range(2)), r"the generator must return a tuple, either \(input,\)"),
    (lambda m: m.fit(batches(), validation_split=0.2),
     "Argument `validation_split` is only supported for tensors or NumPy arrays"),
    (lambda m: m.fit(iter([(X, Y)])), "Unrecognized data type: x=<list_iterator"),
    (lambda m: m.fit(((X, Y, SW, SW) for _ in range(2))),
     r"Data is expected to be in format `x`, `\(x,\)`, `\(x, y\)`, or `\(x, y, sample_weight\)`"),
])
def test_errors_name_the_problem(call, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=message):
            call(model())


def test_pydataset_errors():
    class Bad(keras.utils.PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, i):
            return "not a batch"

    class Empty(keras.utils.PyDataset):
        def __len__(self):
            return 0

    m = model()
    with pytest.raises(ValueError, match=r"PyDataset.__getitem__\(\) must return a tuple or a dict"):
        m.fit(Bad(), verbose=0)
    with pytest.raises(ValueError, match="You cannot specify `class_weight` and `sample_weight`"):
        m.fit(Batches(weights=True), class_weight={0: 1.0}, verbose=0)
    with pytest.raises(ValueError, match="The PyDataset has length 0"):
        keras.Sequential([layers.Dense(1)]).predict(Empty(), verbose=0)


def test_sequence_is_pydataset_and_iterates_batches():
    assert keras.utils.Sequence is keras.utils.PyDataset
    ds = Batches()
    assert ds.num_batches == 5 and len(list(ds)) == 5
    with pytest.raises(NotImplementedError):
        keras.utils.PyDataset()[0]
