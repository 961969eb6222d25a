"""minikeras.tf.data against real TensorFlow: the same pipelines yield the same elements (values,
dtypes, structure, batch boundaries), the same cardinality and element_spec, and the same kind
of error; shuffles are compared only as what both must be (seeded permutations drawn through a
buffer), since TensorFlow's random stream is its own. Strings compare as text (TensorFlow yields
utf-8 bytes, minikeras numpy str)."""
import collections
import types

import numpy as np
import pytest

from minikeras.tf import TensorSpec
from minikeras.tf import data as tfd

def kit(tf):
    """What a pipeline needs besides Dataset, for TensorFlow (`K(tf)`) and for us (`K(None)`)."""
    if tf is None:
        return types.SimpleNamespace(
            D=tfd.Dataset, spec=TensorSpec, Options=tfd.Options,
            fill=lambda n, v: np.full(int(n), v), square=lambda n: np.full((int(n), int(n)), n),
            chars=lambda s: np.array(list(str(s))), i64=np.int64)
    return types.SimpleNamespace(
        D=tf.data.Dataset, spec=tf.TensorSpec, Options=tf.data.Options,
        fill=lambda n, v: tf.fill([n], v), square=lambda n: tf.fill([n, n], n),
        chars=tf.strings.bytes_split, i64=lambda v: tf.constant(v, tf.int64))


def plain(element):
    """An element as nested Python values, each leaf (dtype kind, value); strings as text."""
    if isinstance(element, dict):
        return {k: plain(v) for k, v in sorted(element.items())}
    if isinstance(element, tuple):
        return (type(element).__name__,) + tuple(plain(v) for v in element)
    arr = np.asarray(element)
    if arr.dtype.kind in "OSU":
        return "string", np.vectorize(lambda s: s.decode() if isinstance(s, bytes) else str(s),
                                      otypes=[object])(arr).tolist()
    return arr.dtype.name, arr.tolist()


def elements(ds):
    return [plain(e) for e in ds.as_numpy_iterator()]


X = np.arange(12).reshape(6, 2)
Point = collections.namedtuple("Point", "x y")
GEN = [(1, [1.0, 2.0]), (2, [3.0]), (3, [])]

PIPELINES = {
    "slices_2d": lambda K: K.D.from_tensor_slices(X),
    "slices_tuple": lambda K: K.D.from_tensor_slices((X, np.arange(6.0))),
    "slices_dict_nested": lambda K: K.D.from_tensor_slices(
        {"b": (X[:, 0], X[:, 1]), "a": np.arange(6, dtype="float32")}),
    "slices_list_autopacks": lambda K: K.D.from_tensor_slices([np.zeros(3), np.ones(3)]),
    "slices_python_dtypes": lambda K: K.D.from_tensor_slices(
        ([1.5, 2.5], [1, 2], [True, False], ["ab", "c"], [2 ** 40, 1])),
    "slices_namedtuple": lambda K: K.D.from_tensor_slices(Point([1, 2], [3, 4])),
    "from_tensors": lambda K: K.D.from_tensors(([1, 2], 3.0, "s")),
    "range": lambda K: K.D.range(5),
    "range_start_stop_step": lambda K: K.D.range(1, 10, 3),
    "range_negative_step": lambda K: K.D.range(10, 1, -3),
    "range_empty": lambda K: K.D.range(5, 1),
    "zip_tuple": lambda K: K.D.zip((K.D.range(3), K.D.range(5, 10))),
    "zip_varargs": lambda K: K.D.zip(K.D.range(2), K.D.range(3)),
    "zip_dict_nested": lambda K: K.D.zip({"a": K.D.range(2), "b": (K.D.range(3), K.D.range(4))}),
    "generator_signature": lambda K: K.D.from_generator(
        lambda: iter(GEN), output_signature=(K.spec((), "int32"), K.spec((None,), "float32"))),
    "generator_types": lambda K: K.D.from_generator(lambda: iter(GEN),
                                                    output_types=("int64", "float64")),
    "generator_dict": lambda K: K.D.from_generator(
        lambda: iter([{"a": 1, "b": [2, 3]}]),
        output_signature={"a": K.spec((), "int32"), "b": K.spec((2,), "int64")}),
    "batch": lambda K: K.D.range(8).batch(3),
    "batch_drop_remainder": lambda K: K.D.range(8).batch(3, drop_remainder=True),
    "batch_exact": lambda K: K.D.range(6).batch(3),
    "batch_larger_than_data": lambda K: K.D.range(2).batch(5),
    "batch_slices_tuple": lambda K: K.D.from_tensor_slices((X, np.arange(6))).batch(4),
    "batch_mapped_dict": lambda K: K.D.from_tensor_slices({"x": X, "y": np.arange(6)}).map(
        lambda d: (d, d["y"] * 2)).batch(4),
    "batch_of_batches": lambda K: K.D.range(10).batch(2).batch(2),
    "batch_strings": lambda K: K.D.from_tensor_slices(["a", "bb", "ccc"]).batch(2),
    "batch_map_unbatch": lambda K: K.D.range(7).batch(3).map(lambda x: (x, x * 2)).unbatch(),
    "zip_then_batch": lambda K: K.D.zip((K.D.range(5), K.D.from_tensor_slices(X[:5]))).batch(2),
    "unbatch": lambda K: K.D.range(7).batch(3).unbatch(),
    "unbatch_tuple": lambda K: K.D.from_tensor_slices((X, X * 10)).unbatch(),
    "padded_default": lambda K: K.D.range(1, 6).map(lambda n: K.fill(n, n)).padded_batch(2),
    "padded_shapes_and_value": lambda K: K.D.range(1, 6).map(lambda n: K.fill(n, n)).padded_batch(
        2, padded_shapes=[6], padding_values=K.i64(-1)),
    "padded_drop_remainder": lambda K: K.D.range(1, 6).map(lambda n: K.fill(n, n)).padded_batch(
        2, drop_remainder=True),
    "padded_tuple_values": lambda K: K.D.range(1, 4).map(lambda n: (K.fill(n, n), n)).padded_batch(
        2, padding_values=(K.i64(9), K.i64(0))),
    "padded_2d": lambda K: K.D.range(1, 4).map(K.square).padded_batch(2),
    "padded_strings": lambda K: K.D.from_tensor_slices(["a", "bb", "c"]).map(K.chars).padded_batch(
        2),
    "padded_value_broadcast": lambda K: K.D.range(1, 4).map(
        lambda n: (K.fill(n, n), K.fill(n, n + 1))).padded_batch(2, padding_values=K.i64(7)),
    "padded_none_dims": lambda K: K.D.range(1, 4).map(lambda n: K.fill(n, n)).padded_batch(
        3, padded_shapes=[None]),
    "map_tuple_args_list_result": lambda K: K.D.from_tensor_slices(([1, 2], [3, 4])).map(
        lambda a, b: [a + b, a]),
    "map_dict_one_arg": lambda K: K.D.from_tensor_slices({"a": [1, 2], "b": [3, 4]}).map(
        lambda d: d["a"] + d["b"]),
    "map_one_tuple": lambda K: K.D.from_tensor_slices(([5, 6],)).map(lambda a: a * 2),
    "map_namedtuple_one_arg": lambda K: K.D.from_tensor_slices(Point([1, 2], [3, 4])).map(
        lambda p: p.x * p.y),
    "map_nested_list_is_tensor": lambda K: K.D.range(2).map(lambda x: (x, [x, x + 1])),
    "map_parallel": lambda K: K.D.range(4).map(lambda x: x * 2, num_parallel_calls=-1,
                                               deterministic=False),
    "filter": lambda K: K.D.range(10).filter(lambda x: x % 3 == 0),
    "take": lambda K: K.D.range(10).take(3),
    "take_all": lambda K: K.D.range(4).take(-1),
    "skip": lambda K: K.D.range(10).skip(8),
    "skip_all": lambda K: K.D.range(10).skip(-1),
    "repeat": lambda K: K.D.range(3).repeat(2),
    "repeat_forever_take": lambda K: K.D.range(3).repeat().take(7),
    "repeat_empty_forever": lambda K: K.D.range(0).repeat(),
    "repeat_skip_take": lambda K: K.D.range(3).repeat(2).skip(2).take(3),
    "concatenate": lambda K: K.D.range(3).concatenate(K.D.range(10, 12)),
    "cache_repeat": lambda K: K.D.range(3).cache().repeat(2),
    "prefetch": lambda K: K.D.range(3).prefetch(-1),
    "shard": lambda K: K.D.range(10).shard(3, 1),
    "take_while": lambda K: K.D.range(10).take_while(lambda x: x < 3),
    "enumerate": lambda K: K.D.range(3).enumerate(5),
    "flat_map": lambda K: K.D.range(4).flat_map(lambda x: K.D.range(x)),
    "interleave_blocks": lambda K: K.D.range(1, 6).interleave(
        lambda x: K.D.from_tensors(x).repeat(6), cycle_length=2, block_length=4),
    "interleave_uneven": lambda K: K.D.range(1, 6).interleave(
        lambda x: K.D.range(x * 10, x * 10 + x), cycle_length=3, block_length=2),
    "interleave_default_cycle": lambda K: K.D.range(6).interleave(
        lambda x: K.D.from_tensors(x).repeat(2)),
    "with_options": lambda K: K.D.range(3).with_options(K.Options()),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_same_elements_as_tensorflow(tf, name):
    build = PIPELINES[name]
    assert elements(build(kit(None))) == elements(build(kit(tf)))


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_same_cardinality_and_element_spec_as_tensorflow(tf, name):
    ours, theirs = PIPELINES[name](kit(None)), PIPELINES[name](kit(tf))
    assert int(ours.cardinality()) == int(theirs.cardinality())
    if ours._static_spec() is None:
        return  # after a map TensorFlow traces the function; we read the first element
    flat_ours = tf.nest.flatten(ours.element_spec)
    flat_theirs = tf.nest.flatten(theirs.element_spec)
    assert [(s.shape.rank and tuple(s.shape), s.dtype.name) for s in flat_ours] == [
        (s.shape.rank and tuple(s.shape), s.dtype.name) for s in flat_theirs]


def _families(K):
    r = K.D.range(10)
    return {"r": r, "inf": r.repeat(), "unk": r.filter(lambda x: x > 2)}


CARDINALITY = [
    lambda d, K: d["unk"].take(3), lambda d, K: d["inf"].take(-1), lambda d, K: d["inf"].skip(3),
    lambda d, K: d["unk"].skip(3), lambda d, K: d["inf"].skip(-1), lambda d, K: d["r"].take(20),
    lambda d, K: d["r"].take(0).repeat(), lambda d, K: d["unk"].repeat(2),
    lambda d, K: d["unk"].repeat(), lambda d, K: d["inf"].repeat(0),
    lambda d, K: d["inf"].repeat(2), lambda d, K: d["unk"].repeat(0),
    lambda d, K: d["inf"].batch(3), lambda d, K: d["unk"].batch(3),
    lambda d, K: d["r"].batch(3).unbatch(), lambda d, K: d["r"].batch(3, True).unbatch(),
    lambda d, K: d["inf"].batch(2, True).unbatch(), lambda d, K: d["inf"].batch(2).unbatch(),
    lambda d, K: d["unk"].batch(2, True).unbatch(),
    lambda d, K: d["r"].padded_batch(3, drop_remainder=True),
    lambda d, K: d["r"].concatenate(d["inf"]), lambda d, K: d["inf"].concatenate(d["r"]),
    lambda d, K: d["unk"].concatenate(d["r"]), lambda d, K: d["r"].concatenate(d["unk"]),
    lambda d, K: d["unk"].concatenate(d["inf"]), lambda d, K: d["inf"].concatenate(d["unk"]),
    lambda d, K: K.D.zip((d["r"], d["r"].take(3))), lambda d, K: K.D.zip((d["r"], d["inf"])),
    lambda d, K: K.D.zip((d["inf"], d["inf"])), lambda d, K: K.D.zip((d["unk"], d["r"])),
    lambda d, K: K.D.zip((d["unk"], d["inf"])), lambda d, K: K.D.zip((d["unk"], d["r"].take(0))),
    lambda d, K: d["inf"].filter(lambda x: True), lambda d, K: d["r"].shuffle(4),
    lambda d, K: d["inf"].shuffle(4), lambda d, K: d["unk"].cache(),
    lambda d, K: d["inf"].map(lambda x: x), lambda d, K: d["r"].shard(3, 2),
    lambda d, K: d["inf"].shard(2, 0), lambda d, K: d["unk"].shard(2, 0),
    lambda d, K: d["inf"].enumerate(), lambda d, K: d["r"].take_while(lambda x: x < 3),
    lambda d, K: d["r"].flat_map(lambda x: K.D.range(x)),
]


@pytest.mark.parametrize("index", range(len(CARDINALITY)))
def test_cardinality_rules_match_tensorflow(tf, index):
    ours, theirs = kit(None), kit(tf)
    build = CARDINALITY[index]
    assert int(build(_families(ours), ours).cardinality()) == int(
        build(_families(theirs), theirs).cardinality())


def test_len_and_constants_match_tensorflow(tf):
    for K in (kit(None), kit(tf)):
        with pytest.raises(TypeError, match="The dataset is infinite."):
            len(K.D.range(3).repeat())
        with pytest.raises(TypeError, match="The dataset length is unknown."):
            len(K.D.range(3).filter(lambda x: x > 1))
        assert len(K.D.range(3).batch(2)) == 2
    assert (tfd.AUTOTUNE, tfd.INFINITE_CARDINALITY, tfd.UNKNOWN_CARDINALITY) == (
        tf.data.AUTOTUNE, tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY)
    assert tfd.experimental.AUTOTUNE == tf.data.experimental.AUTOTUNE
    assert int(tfd.experimental.AutoShardPolicy.DATA) == int(
        tf.data.experimental.AutoShardPolicy.DATA)


ERRORS = {
    "slices_scalar": (ValueError, lambda K: K.D.from_tensor_slices(3)),
    "slices_mismatch": (ValueError, lambda K: K.D.from_tensor_slices(([1, 2], [1, 2, 3]))),
    "slices_ragged": (ValueError, lambda K: K.D.from_tensor_slices([[1], [2, 3]])),
    "slices_empty": (ValueError, lambda K: K.D.from_tensor_slices(())),
    "zip_list": (TypeError, lambda K: K.D.zip([K.D.range(2)])),
    "concatenate_dtypes": (TypeError, lambda K: K.D.range(3).concatenate(
        K.D.from_tensor_slices([1.0]))),
    "unbatch_mismatch": (ValueError, lambda K: K.D.from_tensors((np.arange(2),
                                                                 np.arange(3))).unbatch()),
    "unbatch_scalar": (ValueError, lambda K: K.D.range(3).unbatch()),
    "generator_not_callable": (TypeError, lambda K: K.D.from_generator(iter([1]),
                                                                       output_types="int32")),
    "generator_no_types": (TypeError, lambda K: K.D.from_generator(lambda: iter([1]))),
    "options_unknown": (AttributeError, lambda K: setattr(K.Options(), "foo", 1)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_same_error_kind_as_tensorflow(tf, name):
    kind, build = ERRORS[name]
    for K in (kit(None), kit(tf)):
        with pytest.raises(kind):
            build(K)


RUNTIME_ERRORS = {
    "batch_ragged": lambda K: K.D.range(1, 4).map(lambda n: K.fill(n, n)).batch(2),
    "pad_too_small": lambda K: K.D.range(1, 6).map(lambda n: K.fill(n, n)).padded_batch(
        2, padded_shapes=[2]),
    "generator_bad_shape": lambda K: K.D.from_generator(
        lambda: iter(GEN), output_signature=(K.spec((), "int32"), K.spec((2,), "float32"))),
    "get_single_element_of_two": lambda K: K.D.range(2).get_single_element(),
}


@pytest.mark.parametrize("name", sorted(RUNTIME_ERRORS))
def test_runtime_errors_where_tensorflow_has_them(tf, name):
    """Where TensorFlow fails while iterating, we fail too (our error is a ValueError subclass
    with its message; TensorFlow's classes are its own)."""
    with pytest.raises(Exception) as theirs:
        list(RUNTIME_ERRORS[name](kit(tf)))
    with pytest.raises(ValueError):
        list(RUNTIME_ERRORS[name](kit(None)))
    assert type(theirs.value).__name__ in ("InvalidArgumentError", "DataLossError")


# --- shuffle: what both must satisfy --------------------------------------------------------
def _shuffle_facts(K, seed):
    ds = K.D.range(30).shuffle(4, seed=seed)
    passes = [[int(v) for v in ds.as_numpy_iterator()] for _ in range(3)]
    again = [int(v) for v in K.D.range(30).shuffle(4, seed=seed).as_numpy_iterator()]
    fixed = K.D.range(12).shuffle(12, seed=seed, reshuffle_each_iteration=False)
    identity = [int(v) for v in K.D.range(8).shuffle(1, seed=seed).as_numpy_iterator()]
    return {
        "permutations": all(sorted(p) == list(range(30)) for p in passes),
        "buffer_bound": all(k <= i + 3 for p in passes for i, k in enumerate(p)),
        "reproducible": again == passes[0],
        "reshuffled": len({tuple(p) for p in passes}) > 1,
        "fixed": list(fixed.as_numpy_iterator()) == list(fixed.as_numpy_iterator()),
        "buffer_1_keeps_order": identity == list(range(8)),
    }


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_shuffle_has_tensorflows_properties(tf, seed):
    theirs, ours = _shuffle_facts(kit(tf), seed), _shuffle_facts(kit(None), seed)
    assert theirs == ours and all(ours.values())


# --- training on a pipeline: minikeras vs Keras 3 fed by real tf.data ---------------------------
def test_fit_evaluate_predict_on_a_pipeline_match_keras(tf, keras):
    import minikeras
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-1.0], [2.0]], "float32")).astype("float32")

    def pipeline(K):
        return K.D.from_tensor_slices((x, y)).map(lambda a, b: (a * 2.0, b)).batch(8).prefetch(-1)

    models = []
    for lib in (keras, minikeras):
        lib.utils.set_random_seed(3)
        m = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="tanh"),
                            lib.layers.Dense(1)])
        m.compile(lib.optimizers.SGD(0.05), "mse")
        models.append(m)
    models[1].set_weights(models[0].get_weights())
    theirs = models[0].fit(pipeline(kit(tf)), epochs=3, verbose=0, shuffle=False)
    ours = models[1].fit(pipeline(kit(None)), epochs=3, verbose=0, shuffle=False)
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=1e-4)
    for a, b in zip(models[1].get_weights(), models[0].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(models[1].evaluate(pipeline(kit(None)), verbose=0),
                               models[0].evaluate(pipeline(kit(tf)), verbose=0), rtol=1e-4)
    np.testing.assert_allclose(models[1].predict(pipeline(kit(None)), verbose=0),
                               models[0].predict(pipeline(kit(tf)), verbose=0), rtol=1e-4,
                               atol=1e-6)
    repeated_theirs = models[0].fit(pipeline(kit(tf)).repeat(), steps_per_epoch=3, epochs=2,
                                    verbose=0)
    repeated_ours = models[1].fit(pipeline(kit(None)).repeat(), steps_per_epoch=3, epochs=2,
                                  verbose=0)
    np.testing.assert_allclose(repeated_ours.history["loss"], repeated_theirs.history["loss"],
                               rtol=1e-4)


# --- keras.utils datasets: ours against Keras 3's, which are tf.data pipelines -----------------
def _compare_datasets(ours, theirs, tf):
    assert int(ours.cardinality()) == int(theirs.cardinality())
    assert elements(ours) == elements(theirs)
    flat_ours, flat_theirs = tf.nest.flatten(ours.element_spec), tf.nest.flatten(theirs.element_spec)
    assert [tuple(s.shape) for s in flat_ours] == [tuple(s.shape) for s in flat_theirs]


@pytest.mark.parametrize("kwargs", [dict(batch_size=4), dict(batch_size=None),
                                    dict(batch_size=3, sequence_stride=2, sampling_rate=2)])
def test_timeseries_dataset_matches_keras(tf, keras, kwargs):
    import minikeras
    data, targets = np.arange(60).reshape(30, 2).astype("float32"), np.arange(30) * 10
    ours = minikeras.utils.timeseries_dataset_from_array(data, targets, sequence_length=4,
                                                         **kwargs)
    theirs = keras.utils.timeseries_dataset_from_array(data, targets, sequence_length=4, **kwargs)
    _compare_datasets(ours, theirs, tf)
    _compare_datasets(ours.unbatch().take(5) if kwargs["batch_size"] else ours.take(5),
                      theirs.unbatch().take(5) if kwargs["batch_size"] else theirs.take(5), tf)


def test_text_dataset_from_directory_matches_keras(tf, keras, tmp_path):
    import minikeras
    for cls, n in (("neg", 3), ("pos", 4)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            (tmp_path / cls / f"{i}.txt").write_text(f"{cls} text {i}")
    kwargs = dict(batch_size=3, shuffle=False, verbose=False)
    ours = minikeras.utils.text_dataset_from_directory(str(tmp_path), **kwargs)
    theirs = keras.utils.text_dataset_from_directory(str(tmp_path), **kwargs)
    _compare_datasets(ours, theirs, tf)
    assert ours.class_names == theirs.class_names
    _compare_datasets(ours.map(lambda x, y: x).unbatch(), theirs.map(lambda x, y: x).unbatch(), tf)


def test_files_match_tensorflow(tf, tmp_path):
    for i in range(3):
        (tmp_path / f"f{i}.txt").write_bytes(f"a{i}\r\nline b{i}\n\nc{i}".encode())
    paths = [str(tmp_path / f"f{i}.txt") for i in range(3)]
    for K, lib in ((kit(None), tfd), (kit(tf), tf.data)):
        K.lines = [elements(lib.TextLineDataset(paths)),
                   elements(lib.TextLineDataset(paths, num_parallel_reads=2)),
                   elements(lib.TextLineDataset(K.D.list_files(str(tmp_path / "*.txt"),
                                                               shuffle=False))),
                   elements(K.D.list_files(str(tmp_path / "*.txt"), shuffle=False))]
        shuffled = elements(K.D.list_files(str(tmp_path / "*.txt"), seed=3))
        K.shuffled_is_permutation = sorted(shuffled) == K.lines[3]
        if K.D is tfd.Dataset:
            ours = K
    assert ours.lines == K.lines and ours.shuffled_is_permutation and K.shuffled_is_permutation
