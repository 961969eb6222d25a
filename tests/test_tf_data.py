"""minikeras.tf.data: exact elements, batch boundaries, padding, shuffle semantics, cardinality
of every transformation, and fit / evaluate / predict fed by a Dataset. The same pipelines run
under real TensorFlow in tests/conformance/test_tf_data_conformance.py."""
import collections
import warnings

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.engine.tensor import Tensor
from minikeras.tf import TensorSpec
from minikeras.tf import data as tfd
from minikeras.tf.errors import InvalidArgumentError, OutOfRangeError

D = tfd.Dataset
INF, UNK = tfd.INFINITE_CARDINALITY, tfd.UNKNOWN_CARDINALITY


def values(ds):
    """The elements as nested Python lists / tuples / dicts (for exact comparisons)."""
    def plain(e):
        if isinstance(e, dict):
            return {k: plain(v) for k, v in e.items()}
        if isinstance(e, tuple):
            return tuple(plain(v) for v in e)
        return np.asarray(e).tolist()
    return [plain(e) for e in ds.as_numpy_iterator()]


def card(ds):
    return int(ds.cardinality())


# --- sources ---------------------------------------------------------------------------------
def test_from_tensor_slices_arrays_tuples_dicts_and_nesting():
    x = np.arange(6).reshape(3, 2)
    assert values(D.from_tensor_slices(x)) == [[0, 1], [2, 3], [4, 5]]
    assert values(D.from_tensor_slices((x, np.array([7, 8, 9])))) == [
        ([0, 1], 7), ([2, 3], 8), ([4, 5], 9)]
    nested = D.from_tensor_slices({"b": (x[:, 0], x[:, 1]), "a": np.array([1.5, 2.5, 3.5])})
    assert values(nested) == [{"a": 1.5, "b": (0, 1)}, {"a": 2.5, "b": (2, 3)},
                              {"a": 3.5, "b": (4, 5)}]
    # a Python list is one tensor ("autopacking"): two rows of 3, not a pair of datasets
    assert values(D.from_tensor_slices([np.zeros(3), np.ones(3)])) == [[0, 0, 0], [1, 1, 1]]
    Point = collections.namedtuple("Point", "x y")
    first = next(iter(D.from_tensor_slices(Point([1, 2], [3, 4]))))
    assert isinstance(first, Point) and (int(first.x), int(first.y)) == (1, 3)


def test_elements_are_tensors_with_tensorflow_dtypes():
    element = next(iter(D.from_tensor_slices(([1.5, 2.5], [1, 2], np.array([1.5]).repeat(2),
                                              [True, False], ["ab", "c"]))))
    assert all(type(t) is Tensor and t.ndim == 0 for t in element)
    assert [t.dtype.name for t in element[:4]] == ["float32", "int32", "float64", "bool"]
    assert element[4].numpy() == "ab" and element[0].numpy() == np.float32(1.5)
    assert D.from_tensor_slices([2 ** 40]).element_spec.dtype == "int64"
    big = next(D.from_tensor_slices(np.arange(12.0).reshape(3, 4)).as_numpy_iterator())
    assert type(big) is np.ndarray and big.tolist() == [0, 1, 2, 3]


def test_elements_are_read_only_views_so_sources_stay_intact():
    x = np.arange(4.0)
    element = next(iter(D.from_tensor_slices(x)))
    with pytest.raises(ValueError, match="read-only"):
        element += 1
    batch = next(iter(D.from_tensor_slices(x).batch(2)))
    batch += 1  # batches are new arrays, as from stacking
    assert x.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("bad,message", [
    (lambda: D.from_tensor_slices(3), "rank >= 1"),
    (lambda: D.from_tensor_slices(([1, 2], [1, 2, 3])), "Dimensions 2 and 3 are not compatible"),
    (lambda: D.from_tensor_slices([[1], [2, 3]]), "non-rectangular"),
    (lambda: D.from_tensor_slices(()), "should not be empty"),
])
def test_from_tensor_slices_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()


def test_from_tensors_range_and_zip():
    assert values(D.from_tensors(([1, 2], 3))) == [([1, 2], 3)]
    assert values(D.range(5)) == [0, 1, 2, 3, 4]
    assert values(D.range(1, 10, 3)) == [1, 4, 7] and values(D.range(10, 1, -3)) == [10, 7, 4]
    assert D.range(3).element_spec.dtype == "int64"
    assert D.range(3, output_type="int32").element_spec.dtype == "int32"
    with pytest.raises(InvalidArgumentError, match="step must be a non-zero"):
        D.range(1, 5, 0)
    assert values(D.zip((D.range(3), D.range(5, 10)))) == [(0, 5), (1, 6), (2, 7)]
    assert values(D.zip(D.range(2), D.range(3))) == [(0, 0), (1, 1)]
    assert values(D.zip({"a": D.range(2), "b": D.range(3)})) == [{"a": 0, "b": 0},
                                                                 {"a": 1, "b": 1}]
    assert values(D.zip(datasets=(D.range(1), (D.range(1), D.range(1))))) == [(0, (0, 0))]
    with pytest.raises(TypeError, match="Python `list` is not supported"):
        D.zip([D.range(2)])


def test_from_generator_signature_types_and_args():
    gen = lambda: iter([(1, [1, 2]), (2, [3])])  # noqa: E731
    sig = (TensorSpec((), "int32"), TensorSpec((None,), "float32"))
    ds = D.from_generator(gen, output_signature=sig)
    assert values(ds) == [(1, [1.0, 2.0]), (2, [3.0])] and values(ds) == values(ds)
    assert next(iter(ds))[1].dtype == np.float32
    assert ds.element_spec == sig and card(ds) == UNK
    typed = D.from_generator(gen, output_types=("int32", "float32"))
    assert values(typed) == values(ds) and typed.element_spec[0].shape.rank is None
    shaped = D.from_generator(gen, output_types=("int32", "float32"), output_shapes=((), (None,)))
    assert shaped.element_spec == sig
    counted = D.from_generator(lambda n: iter(range(int(n))), output_types="int64", args=(3,))
    assert values(counted) == [0, 1, 2]
    with pytest.raises(InvalidArgumentError, match=r"shape \(1,\) where an element of shape"):
        values(D.from_generator(gen, output_signature=(sig[0], TensorSpec((2,), "float32"))))
    with pytest.raises(TypeError, match="either the `output_signature`"):
        D.from_generator(gen)
    with pytest.raises(TypeError, match="must be a Python callable"):
        D.from_generator(gen(), output_types="int32")


# --- batching --------------------------------------------------------------------------------
@pytest.mark.parametrize("n,size,drop,expected", [
    (8, 3, False, [[0, 1, 2], [3, 4, 5], [6, 7]]),
    (8, 3, True, [[0, 1, 2], [3, 4, 5]]),
    (6, 3, False, [[0, 1, 2], [3, 4, 5]]),
    (2, 5, False, [[0, 1]]),
    (2, 5, True, []),
])
def test_batch_boundaries_and_remainder(n, size, drop, expected):
    assert values(D.range(n).batch(size, drop_remainder=drop)) == expected
    # the sliced fast path (from_tensor_slices) and the stacking path give the same batches
    assert values(D.from_tensor_slices(np.arange(n)).batch(size, drop)) == expected
    assert values(D.range(n).map(lambda x: x).batch(size, drop)) == expected


def test_batch_keeps_structure_and_rejects_ragged_elements():
    ds = D.from_tensor_slices({"x": np.arange(10).reshape(5, 2), "y": np.arange(5)}).map(
        lambda d: (d, d["y"] * 2)).batch(2)
    first = next(iter(ds))
    assert first[0]["x"].tolist() == [[0, 1], [2, 3]] and first[1].tolist() == [0, 2]
    assert [len(b[1]) for b in ds] == [2, 2, 1]
    ragged = D.range(1, 4).map(lambda n: np.arange(int(n))).batch(2)
    with pytest.raises(InvalidArgumentError, match="different shapes in component 0"):
        values(ragged)
    with pytest.raises(InvalidArgumentError, match="Batch size must be greater than zero"):
        D.range(3).batch(0)


def test_unbatch():
    assert values(D.range(7).batch(3).unbatch()) == list(range(7))
    pairs = D.from_tensor_slices((np.arange(6).reshape(3, 2), np.arange(6).reshape(3, 2) * 10))
    assert values(pairs.unbatch()) == [(0, 0), (1, 10), (2, 20), (3, 30), (4, 40), (5, 50)]
    with pytest.raises(ValueError, match="matching leading dimension"):
        D.from_tensors((np.arange(2), np.arange(3))).unbatch()
    with pytest.raises(ValueError, match="scalar components"):
        D.range(3).unbatch()


def test_padded_batch_values():
    ragged = D.range(1, 6).map(lambda n: np.full(int(n), n))
    assert values(ragged.padded_batch(2)) == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]],
                                              [[5, 5, 5, 5, 5]]]
    assert values(ragged.padded_batch(2, padded_shapes=[6], padding_values=np.int64(-1)))[0] == [
        [1, -1, -1, -1, -1, -1], [2, 2, -1, -1, -1, -1]]
    assert values(ragged.padded_batch(2, drop_remainder=True))[-1] == [[3, 3, 3, 0],
                                                                       [4, 4, 4, 4]]
    pairs = D.range(1, 4).map(lambda n: (np.full(int(n), n), n))
    assert values(pairs.padded_batch(2, padding_values=(np.int64(9), np.int64(0)))) == [
        ([[1, 9], [2, 2]], [1, 2]), ([[3, 3, 3]], [3])]
    squares = D.range(1, 3).map(lambda n: np.full((int(n), int(n)), n)).padded_batch(2)
    assert values(squares) == [[[[1, 0], [0, 0]], [[2, 2], [2, 2]]]]
    words = D.from_tensor_slices(["a", "bb", "c"]).map(lambda s: np.array(list(str(s))))
    assert values(words.padded_batch(2)) == [[["a", ""], ["b", "b"]], [["c"]]]
    with pytest.raises(InvalidArgumentError, match="pad to a smaller size"):
        values(ragged.padded_batch(2, padded_shapes=[2]))
    spec = D.from_tensor_slices(np.zeros((4, 2))).padded_batch(3, padded_shapes=[5]).element_spec
    assert tuple(spec.shape) == (None, 5)


# --- shuffle ---------------------------------------------------------------------------------
def test_shuffle_is_a_seeded_permutation_reshuffled_each_pass():
    ds = D.range(20).shuffle(20, seed=3)
    first, second = values(ds), values(ds)
    assert sorted(first) == list(range(20)) and sorted(second) == list(range(20))
    assert first != list(range(20)) and first != second  # a new order for each pass
    again = D.range(20).shuffle(20, seed=3)
    assert values(again) == first and values(again) == second  # reproducible, pass by pass
    fixed = D.range(20).shuffle(20, seed=3, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)
    assert values(D.range(20).shuffle(20, seed=4)) != first
    epochs = values(D.range(5).shuffle(5, seed=1).repeat(3))  # repeat starts new passes
    assert all(sorted(epochs[i:i + 5]) == list(range(5)) for i in (0, 5, 10))
    assert len({tuple(epochs[i:i + 5]) for i in (0, 5, 10)}) > 1


def test_shuffle_buffer_semantics():
    assert values(D.range(10).shuffle(1, seed=0)) == list(range(10))
    for seed in range(20):
        order = values(D.range(30).shuffle(4, seed=seed))
        assert sorted(order) == list(range(30))
        # element k enters the buffer only after k - 4 + 1 elements have been emitted
        assert all(k <= position + 3 for position, k in enumerate(order))
    starts = {values(D.range(30).shuffle(4, seed=s))[0] for s in range(60)}
    assert starts == {0, 1, 2, 3}  # the first output is drawn from the first buffer_size
    with pytest.raises(InvalidArgumentError, match="buffer_size must be greater than zero"):
        D.range(3).shuffle(0)


@pytest.mark.parametrize("drop", [False, True])
def test_shuffle_then_batch_fast_path_gives_the_element_by_element_batches(drop):
    """from_tensor_slices -> shuffle -> batch gathers whole batches by row number; the batches
    must be those of the general path (here forced by an identity map)."""
    x = (np.arange(46).reshape(23, 2), np.arange(23))
    fast = D.from_tensor_slices(x).shuffle(5, seed=3).batch(4, drop)
    slow = D.from_tensor_slices(x).shuffle(5, seed=3).map(lambda a, b: (a, b)).batch(4, drop)
    for _ in range(2):  # the first and the second pass
        assert values(fast) == values(slow)
    assert len(values(fast)) == (5 if drop else 6)


def test_shuffle_without_seed_follows_the_global_seed():
    keras.utils.set_random_seed(11)
    a = values(D.range(30).shuffle(30))
    keras.utils.set_random_seed(11)
    assert values(D.range(30).shuffle(30)) == a


def test_element_spec_does_not_spend_a_shuffle_pass():
    ds = D.range(10).shuffle(10, seed=5).map(lambda x: x * 2)
    reference = values(D.range(10).shuffle(10, seed=5).map(lambda x: x * 2))
    assert ds.element_spec.dtype == "int64"
    assert values(ds) == reference


# --- element-wise transformations --------------------------------------------------------------
def test_map_argument_unpacking_and_outputs():
    seen = []
    ds = D.from_tensor_slices((np.array([1, 2]), np.array([10, 20]))).map(
        lambda a, b: seen.append((type(a), type(b))) or [a + b, a],
        num_parallel_calls=tfd.AUTOTUNE, deterministic=False)
    assert values(ds) == [(11, 1), (22, 2)]  # a list returned at the top is a tuple
    assert seen[0] == (Tensor, Tensor)
    dicts = D.from_tensor_slices({"a": [1, 2], "b": [3, 4]}).map(lambda d: d["a"] + d["b"])
    assert values(dicts) == [4, 6]
    single = D.from_tensor_slices(([5, 6],)).map(lambda a: a * 2)  # a 1-tuple is unpacked too
    assert values(single) == [10, 12]
    Point = collections.namedtuple("Point", "x y")
    points = D.from_tensor_slices(Point([1, 2], [3, 4])).map(lambda p: p.x * p.y)  # one argument
    assert values(points) == [3, 8]
    nested = D.range(2).map(lambda x: (x, [x, x + 1]))  # a nested list is one tensor
    assert values(nested) == [(0, [0, 1]), (1, [1, 2])]
    assert D.range(2).map(lambda x: 1.0).element_spec.dtype == "float32"


def test_filter_take_skip_repeat_concatenate():
    r = D.range(10)
    assert values(r.filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    with pytest.raises(ValueError, match="must return a `tf.bool` scalar"):
        values(r.filter(lambda x: x))
    assert values(r.take(3)) == [0, 1, 2] and values(r.take(-1)) == list(range(10))
    assert values(r.skip(8)) == [8, 9] and values(r.skip(-1)) == [] and values(r.skip(20)) == []
    assert values(D.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert values(D.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert values(D.range(0).repeat()) == []  # forever over nothing ends
    assert values(D.range(3).repeat(2).skip(2).take(3)) == [2, 0, 1]
    assert values(D.range(3).concatenate(D.range(10, 12))) == [0, 1, 2, 10, 11]
    with pytest.raises(TypeError, match="Incompatible dataset elements"):
        D.range(3).concatenate(D.from_tensor_slices([1.0]))
    assert values(r.shard(3, 1)) == [1, 4, 7] and values(r.take_while(lambda x: x < 3)) == [0, 1, 2]
    assert values(D.range(3).enumerate(5)) == [(5, 0), (6, 1), (7, 2)]
    assert values(D.counter(3, 2).take(3)) == [3, 5, 7] and card(D.counter()) == INF
    assert values(D.range(3).flat_map(lambda x: D.range(x))) == [0, 0, 1]
    # TensorFlow's documented interleave example
    assert values(D.range(1, 6).interleave(lambda x: D.from_tensors(x).repeat(6), cycle_length=2,
                                           block_length=4)) == [
        1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    assert int(D.range(5).reduce(np.int64(0), lambda s, x: s + x)) == 10
    assert int(D.range(4).skip(3).get_single_element()) == 3


def test_cache_replays_the_first_complete_pass():
    calls = []
    ds = D.range(6).map(lambda x: calls.append(int(x)) or x).shuffle(6, seed=2).cache()
    first = values(ds)
    assert values(ds) == first and calls == sorted(first)  # computed once, order frozen
    partial = D.range(4).shuffle(4, seed=0).cache()
    next(iter(partial))  # an interrupted pass is not kept
    assert values(partial) == values(partial)
    assert values(D.range(3).prefetch(tfd.AUTOTUNE)) == [0, 1, 2]


# --- size, spec, iteration -------------------------------------------------------------------
R, INFINITE, UNKNOWN = D.range(10), D.range(10).repeat(), D.range(10).filter(lambda x: x > 2)


@pytest.mark.parametrize("ds,expected", [
    (R, 10), (R.take(3), 3), (R.take(-1), 10), (R.take(20), 10), (INFINITE.take(3), 3),
    (UNKNOWN.take(3), UNK), (INFINITE.take(-1), INF),
    (R.skip(3), 7), (R.skip(-1), 0), (R.skip(20), 0), (INFINITE.skip(3), INF),
    (UNKNOWN.skip(3), UNK), (INFINITE.skip(-1), INF),
    (R.repeat(3), 30), (R.repeat(0), 0), (R.take(0).repeat(), 0), (UNKNOWN.repeat(2), UNK),
    (UNKNOWN.repeat(), INF), (INFINITE.repeat(0), 0), (INFINITE.repeat(2), INF),
    (R.batch(3), 4), (R.batch(3, drop_remainder=True), 3), (INFINITE.batch(3), INF),
    (UNKNOWN.batch(3), UNK), (R.padded_batch(3), 4), (R.padded_batch(3, drop_remainder=True), 3),
    (R.batch(3).unbatch(), UNK), (R.batch(3, drop_remainder=True).unbatch(), 9),
    (INFINITE.batch(2, drop_remainder=True).unbatch(), INF),
    (R.concatenate(R), 20), (R.concatenate(INFINITE), INF), (INFINITE.concatenate(R), INF),
    (UNKNOWN.concatenate(R), UNK), (R.concatenate(UNKNOWN), UNK),
    (UNKNOWN.concatenate(INFINITE), INF),
    (D.zip((R, R.take(3))), 3), (D.zip((R, INFINITE)), 10), (D.zip((INFINITE, INFINITE)), INF),
    (D.zip((UNKNOWN, R)), UNK), (D.zip((UNKNOWN, INFINITE)), UNK),
    (R.shuffle(4), 10), (R.cache(), 10), (R.prefetch(1), 10), (R.map(lambda x: x), 10),
    (INFINITE.filter(lambda x: True), UNK), (R.filter(lambda x: True), UNK),
    (D.from_tensors([1, 2, 3]), 1), (D.from_tensor_slices([1, 2, 3]), 3), (D.range(0), 0),
    (D.range(5, 1), 0), (D.range(1, 10, 3), 3), (D.range(10, 1, -2), 5),
    (R.shard(3, 0), 4), (R.shard(3, 1), 3), (R.enumerate(), 10),
    (R.take_while(lambda x: x < 3), UNK), (R.flat_map(lambda x: D.range(x)), UNK),
    (R.with_options(tfd.Options()), 10),
])
def test_cardinality_of_every_transformation(ds, expected):
    assert card(ds) == expected
    assert int(tfd.experimental.cardinality(ds)) == expected
    if expected >= 0:
        assert len(ds) == expected
    else:
        with pytest.raises(TypeError, match="infinite" if expected == INF else "unknown"):
            len(ds)


def test_cardinality_counts_what_iteration_yields():
    for ds in (R.take(3), R.skip(3), R.repeat(3), R.batch(3), R.batch(3, True).unbatch(),
               R.concatenate(R), D.zip((R, R.take(3))), R.shard(3, 2), R.padded_batch(4)):
        assert len(list(ds)) == card(ds)


def test_element_spec():
    spec = D.from_tensor_slices(({"a": np.zeros((4, 3), "float32")}, np.arange(4))).batch(2)
    assert repr(spec.element_spec[0]["a"]) == (
        "TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)")
    assert tuple(spec.element_spec[1].shape) == (None,)
    assert tuple(D.range(8).batch(4, True).element_spec.shape) == (4,)
    assert D.from_tensor_slices(["a"]).element_spec.dtype == "string"
    assert tuple(D.range(3).map(lambda x: np.zeros((int(x) + 2, 2))).element_spec.shape) == (2, 2)
    assert repr(D.range(2)) == (
        "<_RangeDataset element_spec=TensorSpec(shape=(), dtype=tf.int64, name=None)>")


def test_iterators_options_and_constants():
    it = iter(D.range(2))
    assert int(next(it)) == 0 and int(it.get_next()) == 1
    with pytest.raises(OutOfRangeError):
        it.get_next()
    assert list(iter(D.range(2).as_numpy_iterator())) == [0, 1]
    assert type(next(D.range(2).as_numpy_iterator())) is np.int64
    assert tfd.AUTOTUNE == tfd.experimental.AUTOTUNE == -1
    assert (tfd.INFINITE_CARDINALITY, tfd.UNKNOWN_CARDINALITY) == (-1, -2)
    options = tfd.Options()
    options.experimental_deterministic = False
    options.experimental_distribute.auto_shard_policy = tfd.experimental.AutoShardPolicy.DATA
    ds = D.range(3).with_options(options).map(lambda x: x)
    assert ds.options().experimental_deterministic is False
    assert ds.options().experimental_distribute.auto_shard_policy == 2
    with pytest.raises(AttributeError, match="Cannot set the property foo"):
        options.foo = 1
    assert bool(D.range(0)) and bool(D.range(1).repeat())


# --- fit / evaluate / predict ------------------------------------------------------------------
X = np.random.default_rng(0).normal(size=(20, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-1.0], [2.0]], "float32")).astype("float32")


def model():
    keras.utils.set_random_seed(5)
    m = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.05), "mse", metrics=["mae"])
    return m


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.mark.parametrize("pipeline", [
    lambda: D.from_tensor_slices((X, Y)).batch(6),
    lambda: D.from_tensor_slices((X, Y)).map(lambda x, y: (x, y)).batch(6).prefetch(1),
    lambda: D.zip((D.from_tensor_slices(X), D.from_tensor_slices(Y))).batch(6).cache(),
])
def test_fit_on_a_pipeline_matches_fit_on_arrays(pipeline):
    on_arrays, on_dataset = model(), model()
    h1 = on_arrays.fit(X, Y, batch_size=6, epochs=3, shuffle=False, verbose=0)
    h2 = quiet(on_dataset.fit, pipeline(), epochs=3, verbose=0,
               validation_data=D.from_tensor_slices((X, Y)).batch(10))
    for a, b in zip(on_arrays.get_weights(), on_dataset.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    assert len(h2.history["val_loss"]) == 3
    np.testing.assert_allclose(on_dataset.evaluate(pipeline(), verbose=0),
                               on_dataset.evaluate(X, Y, batch_size=6, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(on_dataset.predict(pipeline(), verbose=0),  # x of (x, y)
                               on_dataset.predict(X, verbose=0), rtol=1e-5)


def test_fit_sample_weights_and_class_weights_from_a_dataset():
    sw = np.linspace(0.2, 2.0, 20).astype("float32")
    a, b = model(), model()
    a.fit(X, Y, sample_weight=sw, batch_size=5, shuffle=False, verbose=0)
    quiet(b.fit, D.from_tensor_slices((X, Y, sw)).batch(5), verbose=0)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, atol=1e-5)
    labels = (X[:, :1] > 0).astype("float32")
    c, d = model(), model()
    c.fit(X, labels, class_weight={0: 0.5, 1: 2.0}, batch_size=5, shuffle=False, verbose=0)
    quiet(d.fit, D.from_tensor_slices((X, labels)).batch(5), class_weight={0: 0.5, 1: 2.0},
          verbose=0)
    for u, v in zip(c.get_weights(), d.get_weights()):
        np.testing.assert_allclose(u, v, atol=1e-5)


def test_fit_on_a_repeated_dataset_needs_steps_per_epoch():
    ds = D.from_tensor_slices((X, Y)).batch(4).repeat()
    m = model()
    history = quiet(m.fit, ds, steps_per_epoch=3, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    with pytest.raises(ValueError, match="infinitely repeating dataset.*`steps_per_epoch`"):
        quiet(m.fit, ds, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="infinitely repeating dataset"):
        m.evaluate(ds, verbose=0)
    assert m.predict(ds, steps=2, verbose=0).shape == (8, 1)
    # the second epoch continues where the first stopped, as Keras does with steps_per_epoch
    batches = []
    probe = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda i, logs: batches.append(i))
    quiet(m.fit, ds, steps_per_epoch=4, epochs=2, verbose=0, callbacks=[probe])
    assert batches == [0, 1, 2, 3, 0, 1, 2, 3]


def test_fit_rejects_what_keras_rejects_with_a_dataset():
    ds = D.from_tensor_slices((X, Y)).batch(4)
    m = model()
    with pytest.raises(ValueError, match="When providing `x` as a tf.data.Dataset, `y` should "
                                         "not be passed"):
        m.fit(ds, Y, verbose=0)
    with pytest.raises(ValueError, match="`sample_weights` should not be passed"):
        m.fit(ds, sample_weight=Y[:, 0], verbose=0)
    with pytest.raises(ValueError, match="`validation_split` is only supported for tensors"):
        m.fit(ds, validation_split=0.2, verbose=0)
    with pytest.warns(UserWarning, match="provided as a tf.data.Dataset"):
        m.fit(ds, verbose=0)  # shuffle=True is fit's default, and Keras warns about it
    with pytest.raises(ValueError, match="is empty"):
        model().fit(ds.take(0), verbose=0, shuffle=False)


def test_fit_on_a_shuffled_pipeline_sees_every_sample_each_epoch():
    seen = []
    ds = D.from_tensor_slices((X, Y, np.arange(20))).shuffle(20, seed=1).map(
        lambda x, y, i: seen.append(int(i)) or (x, y)).batch(5)
    quiet(model().fit, ds, epochs=3, verbose=0)
    epochs = [seen[i:i + 20] for i in (0, 20, 40)]
    assert all(sorted(e) == list(range(20)) for e in epochs) and len(seen) == 60
    assert len({tuple(e) for e in epochs}) == 3


# --- keras.utils datasets are tf.data Datasets ------------------------------------------------
def test_keras_utils_datasets_have_the_dataset_methods(tmp_path):
    ts = keras.utils.timeseries_dataset_from_array(np.arange(20), np.arange(20), sequence_length=3,
                                                   batch_size=4)
    assert isinstance(ts, D) and card(ts) == 5 and len(ts) == 5
    assert values(ts.unbatch().take(2)) == [([0, 1, 2], 0), ([1, 2, 3], 1)]
    assert card(ts.unbatch()) == UNK and tuple(ts.element_spec[0].shape) == (None, None)
    assert sorted(x[0] for x, _ in ts.unbatch().shuffle(18, seed=0).as_numpy_iterator()) == list(
        range(18))
    for cls in ("neg", "pos"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            (tmp_path / cls / f"{i}.txt").write_text(f"{cls} {i}")
    texts = keras.utils.text_dataset_from_directory(str(tmp_path), batch_size=4, shuffle=False,
                                                    verbose=False)
    assert texts.class_names == ["neg", "pos"] and card(texts) == 2
    assert isinstance(texts, D) and texts.element_spec[0].dtype == "string"
    only_text = texts.map(lambda x, y: x)
    assert [list(b) for b in only_text.as_numpy_iterator()] == [
        ["neg 0", "neg 1", "neg 2", "pos 0"], ["pos 1", "pos 2"]]
    mapped = texts.map(lambda x, y: (x, y * 2)).cache().shuffle(2, seed=0).prefetch(tfd.AUTOTUNE)
    assert card(mapped) == 2 and sorted(len(b[1]) for b in mapped) == [2, 4]


def test_split_dataset_of_a_pipeline_gives_datasets_of_samples():
    ds = D.from_tensor_slices({"x": np.arange(10), "y": np.arange(10) * 2})
    left, right = keras.utils.split_dataset(ds, left_size=0.8, shuffle=True, seed=2)
    assert isinstance(left, D) and card(left) == 8 and card(right) == 2
    rows = values(left) + values(right)
    assert sorted(r["x"] for r in rows) == list(range(10))
    assert all(r["y"] == 2 * r["x"] for r in rows) and values(left) != values(ds)[:8]
    with pytest.raises(ValueError, match="infinite"):
        keras.utils.split_dataset(ds.repeat(), left_size=0.5)


def test_text_lines_and_file_lists(tmp_path):
    for i in range(3):
        (tmp_path / f"f{i}.txt").write_bytes(f"a{i}\r\nb{i}\nc{i}".encode())
    paths = [str(tmp_path / f"f{i}.txt") for i in range(3)]
    assert values(tfd.TextLineDataset(paths)) == ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2",
                                                  "c2"]
    assert values(tfd.TextLineDataset(paths, num_parallel_reads=2))[:6] == [
        "a0", "a1", "b0", "b1", "c0", "c1"]
    listed = D.list_files(str(tmp_path / "*.txt"), shuffle=False)
    assert values(listed) == paths and card(tfd.TextLineDataset(listed)) == UNK
    assert sorted(values(D.list_files(str(tmp_path / "*.txt"), seed=1))) == paths
    with pytest.raises(InvalidArgumentError, match="No files matched pattern"):
        D.list_files(str(tmp_path / "*.csv"))


def test_image_dataset_from_directory_is_a_dataset(tmp_path):
    from minikeras.utils import png
    for cls, count in (("cats", 2), ("dogs", 3)):
        (tmp_path / cls).mkdir()
        for i in range(count):
            image = np.full((4, 4, 3), 40 * i, dtype=np.uint8)
            (tmp_path / cls / f"{i}.png").write_bytes(png.encode_png(image))
    ds = keras.utils.image_dataset_from_directory(str(tmp_path), image_size=(4, 4), batch_size=2,
                                                  shuffle=False, verbose=False)
    assert isinstance(ds, D) and card(ds) == 3 and ds.class_names == ["cats", "dogs"]
    assert repr(ds.element_spec[0]) == "TensorSpec(shape=(None, 4, 4, 3), dtype=tf.float32, name=None)"
    samples = list(ds.unbatch().as_numpy_iterator())
    assert [int(label) for _, label in samples] == [0, 0, 1, 1, 1]
    assert [float(image[0, 0, 0]) for image, _ in samples] == [0, 40, 0, 40, 80]
    normalized = ds.map(lambda x, y: (x / 255.0, y)).cache().prefetch(tfd.AUTOTUNE)
    assert float(max(b[0].max() for b in normalized)) == pytest.approx(80 / 255)
