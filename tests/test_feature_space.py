"""keras.utils.FeatureSpace and the layers under it (lookups, hashing, crossing, discretization,
category encoding), in numpy. Hard-coded hashes and bins were produced by TensorFlow 2.21 /
Keras 3.15; tests/conformance/test_feature_space_conformance.py compares live with Keras."""
import numpy as np
import pytest

import minikeras as keras
from minikeras.layers.preprocessing.category_encoding import CategoryEncoding
from minikeras.layers.preprocessing.discretization import Discretization
from minikeras.layers.preprocessing.farmhash import (CROSS_HASH_KEY, fingerprint64,
                                                     fingerprint_cat64)
from minikeras.layers.preprocessing.hashed_crossing import HashedCrossing
from minikeras.layers.preprocessing.hashing import Hashing
from minikeras.layers.preprocessing.integer_lookup import IntegerLookup
from minikeras.layers.preprocessing.string_lookup import StringLookup
from minikeras.utils import FeatureSpace

TABLE = {"color": np.array(["red", "blue", "red", "green", "red", "blue"]),
         "size": np.array([2, 1, 2, 3, 1, 1]),
         "weight": np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "float32"),
         "height": np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0], "float32")}
# Keras's encodings of TABLE (vocabularies by count: red, blue, green / 1, 2, 3; bins [20, 40]).
COLOR = [[0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0]]
SIZE = [[0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0], [0, 1, 0, 0]]
HEIGHT = [[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 0, 1]]
WEIGHT = (np.arange(1.0, 7.0) - 3.5) / np.sqrt(35 / 12)
COLOR_X_SIZE_4 = [1, 0, 1, 1, 1, 0]  # HashedCrossing(4) of (color, size) after the lookups


def table_space(output_mode="concat", cross_mode="one_hot"):
    return FeatureSpace(
        features={"color": "string_categorical", "size": "integer_categorical",
                  "weight": "float_normalized",
                  "height": FeatureSpace.float_discretized(num_bins=3)},
        crosses=[FeatureSpace.cross(("color", "size"), crossing_dim=4, output_mode=cross_mode)],
        output_mode=output_mode)


# --- FarmHash, as TensorFlow computes it --------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("", 11160318154034397263), ("a", 12917804110809363939), ("abc", 2640714258260161385),
    ("hello", 13009744463427800296), ("reversible", 2344452361395443474),
    ("x" * 20, 8233088228747857348), ("y" * 40, 276292113409495006),
    ("z" * 100, 9220849947163966073), ("é" * 150, 10580132637849845484)])
def test_fingerprint64_matches_tensorflow_for_every_length_branch(text, expected):
    assert fingerprint64(text) == expected
    assert fingerprint64(text.encode("utf-8")) == expected


def test_fingerprint_cat64_on_ints_and_uint64_arrays_agree():
    ints = [fingerprint_cat64(CROSS_HASH_KEY, v) for v in (0, 1, 2**63 + 5)]
    arrays = fingerprint_cat64(np.full(3, CROSS_HASH_KEY, "uint64"),
                               np.array([0, 1, 2**63 + 5], "uint64"))
    assert arrays.tolist() == ints


# --- the preprocessing layers -------------------------------------------------------------
def test_hashing_bins_strings_and_integers_as_keras():
    layer = Hashing(num_bins=10)
    assert layer(np.array(["a", "b", "hello"])).tolist() == [9, 2, 6]
    # integers hash as their decimal strings; floats are truncated first
    assert layer(np.array([[-3], [12]])).tolist() == [[9], [8]]
    assert layer(np.array([[-3.7], [12.2]])).tolist() == [[9], [8]]
    masked = Hashing(num_bins=10, mask_value="")
    assert masked(np.array(["", "a", "b", "hello"])).tolist() == [0, 4, 2, 8]
    assert layer(np.array(["a"])).dtype == np.int64


def test_hashing_one_hot_replaces_the_trailing_axis():
    out = Hashing(num_bins=10, output_mode="one_hot")(np.array([["a"], ["b"]]))
    np.testing.assert_array_equal(out, np.eye(10, dtype="float32")[[9, 2]])


def test_hashed_crossing_bins_as_tensorflow_cross_hashed():
    layer = HashedCrossing(num_bins=100)
    out = layer((np.array([["a"], ["b"], ["a"]]), np.array([[1], [2], [-3]])))
    assert out.tolist() == [[85], [57], [67]]
    assert out.dtype == np.int64
    one_hot = HashedCrossing(num_bins=100, output_mode="one_hot")(
        (np.array(["a", "b"]), np.array([1, 2])))
    assert one_hot.shape == (2, 100) and one_hot.argmax(-1).tolist() == [85, 57]


def test_hashed_crossing_needs_two_equal_shaped_inputs():
    with pytest.raises(ValueError, match="at least two inputs"):
        HashedCrossing(4)([np.array([1])])
    with pytest.raises(ValueError, match="equal shape"):
        HashedCrossing(4)([np.array([1, 2]), np.array([1])])


def test_string_lookup_vocabulary_by_count_then_token_descending():
    layer = StringLookup()
    layer.adapt(np.array(["b", "a", "c", "a", "c", "d"]))
    assert layer.get_vocabulary() == ["[UNK]", "c", "a", "d", "b"]
    assert layer(np.array([["a"], ["zz"], ["d"]])).tolist() == [[2], [0], [3]]
    assert layer.vocabulary_size() == 5


def test_integer_lookup_mask_oov_slots_and_max_tokens():
    layer = IntegerLookup(num_oov_indices=3, mask_token=0)
    layer.adapt(np.array([1, 2, 2, 0, 3]))
    assert layer.get_vocabulary() == [0, -1, -1, -1, 2, 3, 1]
    # mask -> 0; OOV v -> 1 + (v mod 3): floor division, so -7 -> 3
    assert layer(np.array([0, 2, 9, -7, 10])).tolist() == [0, 4, 1, 3, 2]
    capped = IntegerLookup(max_tokens=3)
    capped.adapt(np.array([5, 5, 5, 6, 6, 7]))
    assert capped.get_vocabulary() == [-1, 5, 6]


def test_string_lookup_hashes_oov_strings_among_slots():
    layer = StringLookup(num_oov_indices=3)
    layer.adapt(np.array(["a", "b"]))
    assert layer(np.array(["zz", "yy", "a", "q"])).tolist() == [1, 1, 4, 2]


def test_lookup_vector_modes_and_tf_idf():
    data = np.array([["a", "b"], ["a", "c"]])
    expected = {"one_hot": [[[0, 1, 0, 0], [1, 0, 0, 0]], [[0, 0, 1, 0], [0, 0, 1, 0]]],
                "multi_hot": [[1, 1, 0, 0], [0, 0, 1, 0]], "count": [[1, 1, 0, 0], [0, 0, 2, 0]]}
    for mode, want in expected.items():
        layer = StringLookup(output_mode=mode)
        layer.adapt(data)
        assert layer(np.array([["a", "z"], ["c", "c"]])).tolist() == want, mode
    layer = StringLookup(output_mode="tf_idf")
    layer.adapt(data)
    idf = np.log(1 + 2 / (1 + np.array([2, 1, 1])))  # a, b, c; [UNK] gets their mean
    np.testing.assert_allclose(layer(np.array([["a", "z"], ["c", "c"]])),
                               [[idf.mean(), idf[0], 0, 0], [0, 0, 2 * idf[2], 0]], rtol=1e-6)


def test_lookup_invert_and_given_vocabulary():
    layer = StringLookup(vocabulary=["[UNK]", "x", "y"])
    assert layer.get_vocabulary() == ["[UNK]", "x", "y"]
    inverse = StringLookup(vocabulary=["x", "y"], invert=True)
    assert inverse(np.array([2, 1, 0, 7])).tolist() == ["y", "x", "[UNK]", "[UNK]"]
    with pytest.raises(ValueError, match="repeated term"):
        StringLookup(vocabulary=["x", "x"])
    with pytest.raises(ValueError, match="all inputs should be in vocabulary"):
        StringLookup(vocabulary=["x"], num_oov_indices=0)(np.array(["q"]))


def test_discretization_boundaries_are_keras_quantile_summary():
    layer = Discretization(num_bins=4)
    layer.adapt(np.arange(100, dtype="float32").reshape(-1, 1))
    np.testing.assert_allclose(layer.bin_boundaries, [23.999982833862305, 48.99998092651367,
                                                      73.99998474121094])
    merged = Discretization(num_bins=5, epsilon=0.1)
    merged.adapt([np.arange(i * 40, i * 40 + 40, dtype="float32").reshape(-1, 1) ** 1.5
                  for i in range(5)])
    np.testing.assert_allclose(merged.bin_boundaries, [248.8511505126953, 703.5296020507812,
                                                       1300.903564453125, 2004.9136962890625])
    # bin i holds boundaries[i-1] <= x < boundaries[i]
    fixed = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    assert fixed(np.array([[-1.5, 1.0, 3.4, 0.5]])).tolist() == [[0, 2, 3, 1]]
    assert fixed(np.array([[0.5]])).dtype == np.int32


def test_category_encoding_modes():
    x = np.array([[0, 1], [2, 2]])
    assert CategoryEncoding(4)(x).tolist() == [[1, 1, 0, 0], [0, 0, 1, 0]]
    assert CategoryEncoding(4, output_mode="count")(x).tolist() == [[1, 1, 0, 0], [0, 0, 2, 0]]
    assert CategoryEncoding(3, output_mode="one_hot")(np.array([[2], [0]])).tolist() == \
        [[0, 0, 1], [1, 0, 0]]
    weighted = CategoryEncoding(3, output_mode="count")(x, count_weights=np.array(
        [[0.5, 1.0], [2.0, 3.0]]))
    assert weighted.tolist() == [[0.5, 1.0, 0.0], [0.0, 0.0, 5.0]]


# --- FeatureSpace -------------------------------------------------------------------------
def test_concat_output_is_sorted_features_then_crosses():
    space = table_space()
    space.adapt(TABLE)
    out = space(TABLE)
    assert out.shape == (6, 4 + 3 + 4 + 1 + 4) and out.dtype == np.float32
    # color, height, size, weight (sorted), then the cross color_X_size
    np.testing.assert_array_equal(out[:, 0:4], COLOR)
    np.testing.assert_array_equal(out[:, 4:7], HEIGHT)
    np.testing.assert_array_equal(out[:, 7:11], SIZE)
    np.testing.assert_allclose(out[:, 11], WEIGHT, rtol=1e-5)
    np.testing.assert_array_equal(out[:, 12:].argmax(-1), COLOR_X_SIZE_4)


def test_adapt_learns_vocabularies_statistics_and_bins():
    space = table_space()
    space.adapt(TABLE)
    assert space.preprocessors["color"].get_vocabulary() == ["[UNK]", "red", "blue", "green"]
    assert space.preprocessors["size"].get_vocabulary() == [-1, 1, 2, 3]
    np.testing.assert_allclose(space.preprocessors["weight"].mean.ravel(), [3.5])
    np.testing.assert_allclose(space.preprocessors["weight"].variance.ravel(), [35 / 12])
    assert space.preprocessors["height"].bin_boundaries == [20.0, 40.0]
    assert isinstance(space.crossers["color_X_size"], HashedCrossing)


def test_dict_mode_keeps_int_crosses_and_encodes_one_hot_features():
    space = table_space(output_mode="dict", cross_mode="int")
    space.adapt(TABLE)
    out = space(TABLE)
    assert list(out) == ["color", "height", "size", "weight", "color_X_size"]
    np.testing.assert_array_equal(out["color"], COLOR)
    assert out["color_X_size"].tolist() == [[v] for v in COLOR_X_SIZE_4]
    assert out["color_X_size"].dtype == np.int64
    assert out["weight"].shape == (6, 1)


def test_one_unbatched_sample_gives_one_unbatched_encoding():
    space = table_space()
    space.adapt(TABLE)
    sample = {name: values[3] for name, values in TABLE.items()}
    np.testing.assert_allclose(space(sample), space(TABLE)[3], rtol=1e-6)
    assert space(sample).shape == (16,)
    single = table_space(output_mode="dict")
    single.adapt(TABLE)
    assert single({"color": "red", "size": 2, "weight": 1.0, "height": 10.0})["color"].shape == (4,)


def test_adapt_reads_an_iterable_of_dict_batches_once():
    batches = ({name: values[i:i + 4] for name, values in TABLE.items()} for i in (0, 4))
    space = table_space()
    space.adapt(batches)  # a generator: only one pass is possible
    reference = table_space()
    reference.adapt(TABLE)
    np.testing.assert_allclose(space(TABLE), reference(TABLE), rtol=1e-6)
    samples = [{name: values[i] for name, values in TABLE.items()} for i in range(6)]
    unbatched = table_space()
    unbatched.adapt(samples)  # scalar samples: batched by 32, as Keras
    np.testing.assert_allclose(unbatched(TABLE), reference(TABLE), rtol=1e-6)


def test_adapt_rejects_labelled_batches_and_unadapted_calls():
    space = table_space()
    with pytest.raises(ValueError, match="adapt"):
        space(TABLE)
    with pytest.raises(ValueError, match="dicts"):
        space.adapt([(TABLE, np.zeros(6))])


def test_hashed_features_and_crosses_need_no_adapt():
    space = FeatureSpace(features={"color": "string_hashed", "size": "integer_hashed"},
                         hashing_dim=8, crosses=[("color", "size")], crossing_dim=5,
                         output_mode="dict")
    out = space({"color": TABLE["color"], "size": TABLE["size"]})
    assert out["color"].argmax(-1).tolist() == [6, 1, 6, 0, 6, 1]
    assert out["size"].argmax(-1).tolist() == [7, 1, 7, 1, 1, 1]
    assert out["color_X_size"].argmax(-1).tolist() == [2, 1, 2, 3, 0, 1]


def test_plain_and_rescaled_floats():
    space = FeatureSpace(features={"f": "float", "r": FeatureSpace.float_rescaled(scale=2.0,
                                                                                  offset=1.0)},
                         output_mode="concat")
    out = space({"f": np.array([1.5, 2.5]), "r": np.array([1, 2])})
    np.testing.assert_array_equal(out, [[1.5, 3.0], [2.5, 5.0]])
    assert out.dtype == np.float32


@pytest.mark.parametrize("kwargs, message", [
    ({"features": {}}, "cannot be None or empty"),
    ({"features": {"a": "floaty"}}, "Invalid feature type"),
    ({"features": {"a": "float"}, "output_mode": "list"}, "output_mode"),
    ({"features": {"a": "float"}, "crosses": [("a", "b")]}, "present in the `features`"),
])
def test_constructor_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FeatureSpace(**kwargs)


def test_concat_refuses_an_integer_feature_and_one_hot_of_floats():
    space = FeatureSpace(features={"s": FeatureSpace.string_categorical(output_mode="int")})
    with pytest.raises(ValueError, match="Cannot concatenate"):
        space.adapt({"s": TABLE["color"]})
    floats = FeatureSpace(features={"f": FeatureSpace.feature(
        dtype="float32", preprocessor=keras.layers.Rescaling(1.0), output_mode="one_hot")})
    with pytest.raises(ValueError, match="integer dtype"):
        floats({"f": np.array([1.0])})


def test_functional_model_on_encoded_features_learns():
    rng = np.random.default_rng(0)
    n = 256
    data = {"color": rng.choice(["red", "blue", "green"], n), "size": rng.integers(0, 3, n),
            "weight": rng.normal(70, 10, n).astype("float32")}
    labels = ((data["color"] == "red") ^ (data["size"] == 1)).astype("float32")
    space = FeatureSpace(features={"color": "string_categorical", "size": "integer_categorical",
                                   "weight": "float_normalized"},
                         crosses=[("color", "size")], crossing_dim=16)
    space.adapt(data)
    inputs, encoded = space.get_inputs(), space.get_encoded_features()
    assert encoded.shape == (None, 4 + 4 + 1 + 16) and inputs["color"].dtype == "string"
    hidden = keras.layers.Dense(16, activation="relu")(encoded)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    keras.utils.set_random_seed(0)
    history = model.fit(data, labels, epochs=30, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.95  # XOR of two categories: needs the encoding
    np.testing.assert_allclose(model.predict(data, verbose=0)[:, 0] > 0.5, labels > 0.5)


def test_config_round_trip_rebuilds_the_same_space():
    space = table_space()
    config = space.get_config()
    assert config["features"]["color"]["class_name"] == "Feature"
    assert config["features"]["color"]["config"]["preprocessor"]["class_name"] == "StringLookup"
    assert config["crosses"][0]["config"] == {"feature_names": ("color", "size"),
                                              "crossing_dim": 4, "output_mode": "one_hot"}
    clone = FeatureSpace.from_config(config)
    assert clone.get_config() == config
    clone.adapt(TABLE)
    space.adapt(TABLE)
    np.testing.assert_allclose(clone(TABLE), space(TABLE), rtol=1e-6)


def test_save_and_load_keeps_vocabularies_and_statistics(tmp_path):
    space = table_space()
    space.adapt(TABLE)
    path = str(tmp_path / "space.keras")
    space.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"FeatureSpace": FeatureSpace})
    np.testing.assert_array_equal(loaded(TABLE), space(TABLE))
    assert loaded.preprocessors["color"].get_vocabulary() == ["[UNK]", "red", "blue", "green"]


@pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")  # Keras warns the same
def test_the_tutorial_pipeline_on_tf_data():
    """structured_data_classification_with_feature_space: adapt on `ds.map(lambda x, _: x)`,
    encode inside `ds.map`, train on the encoded batches."""
    from minikeras.tf.data import Dataset
    labels = (TABLE["size"] == 1).astype("float32")
    train_ds = Dataset.from_tensor_slices((dict(TABLE), labels)).batch(4)
    space = table_space()
    space.adapt(train_ds.map(lambda x, _: x))
    reference = table_space()
    reference.adapt([{name: values[i:i + 4] for name, values in TABLE.items()} for i in (0, 4)])
    np.testing.assert_allclose(space(TABLE), reference(TABLE), rtol=1e-6)
    encoded_ds = train_ds.map(lambda x, y: (space(x), y))
    inputs = keras.Input(shape=(16,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy")
    history = model.fit(encoded_ds, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.3  # size == 1 is one one-hot column
