"""keras.preprocessing.text (Tokenizer & co.) and layers.TextVectorization.

Expected values are worked out by hand from Keras's rules (and agree with what Keras on
TensorFlow returns: see tests/conformance/test_text_utils_conformance.py).
"""
import hashlib
import json
import math

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.layers import TextVectorization
from minikeras.preprocessing import text
from minikeras.preprocessing.text import Tokenizer, tokenizer_from_json

DOCS = ["The cat sat.", "The dog sat on the cat!", "a DOG"]


# --- Tokenizer -------------------------------------------------------------------------------
def test_tokenizer_word_index_by_count_then_first_seen():
    tok = Tokenizer()
    tok.fit_on_texts(DOCS)
    # counts: the 3, cat 2, sat 2, dog 2, on 1, a 1 (ties keep first-seen order)
    assert tok.word_index == {"the": 1, "cat": 2, "sat": 3, "dog": 4, "on": 5, "a": 6}
    assert tok.index_word[4] == "dog"
    assert tok.document_count == 3
    assert dict(tok.word_docs) == {"the": 2, "cat": 2, "sat": 2, "dog": 2, "on": 1, "a": 1}
    assert tok.texts_to_sequences(["the unknown cat"]) == [[1, 2]]


def test_tokenizer_num_words_and_oov():
    tok = Tokenizer(num_words=4, oov_token="<OOV>")
    tok.fit_on_texts(DOCS)
    assert tok.word_index["<OOV>"] == 1 and tok.word_index["the"] == 2
    # cat=3 kept, sat=4 >= num_words -> oov, zebra unknown -> oov
    assert tok.texts_to_sequences(["cat sat zebra the"]) == [[3, 1, 1, 2]]
    assert tok.sequences_to_texts([[3, 1, 4, 99]]) == ["cat <OOV> <OOV> <OOV>"]


def test_tokenizer_matrix_modes():
    tok = Tokenizer()
    tok.fit_on_texts(DOCS)
    seqs = [[1, 1, 2], []]
    np.testing.assert_array_equal(tok.sequences_to_matrix(seqs, "binary")[0], [0, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(tok.sequences_to_matrix(seqs, "count")[0], [0, 2, 1, 0, 0, 0, 0])
    np.testing.assert_allclose(tok.sequences_to_matrix(seqs, "freq")[0, 1], 2 / 3)
    tfidf = tok.sequences_to_matrix(seqs, "tfidf")
    # "the": tf = 1 + ln 2, idf = ln(1 + 3 / (1 + 2))
    assert math.isclose(tfidf[0, 1], (1 + math.log(2)) * math.log(2))
    assert not tfidf[1].any() and tfidf.shape == (2, 7)
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        tok.sequences_to_matrix(seqs, "bogus")
    with pytest.raises(ValueError, match="Specify a dimension"):
        Tokenizer().sequences_to_matrix(seqs)


def test_tokenizer_char_level_filters_and_lists():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["abba", "Ca"])
    assert tok.word_index == {"a": 1, "b": 2, "c": 3}
    tok = Tokenizer(filters="", lower=False, split="|")
    tok.fit_on_texts(["x|Y|x", "y!"])
    assert tok.word_index == {"x": 1, "Y": 2, "y!": 3}
    tok = Tokenizer()
    tok.fit_on_texts([["Pre", "tokenized"], ["pre"]])
    assert tok.word_index == {"pre": 1, "tokenized": 2}


def test_tokenizer_json_round_trip_and_errors():
    tok = Tokenizer(num_words=5, oov_token="?")
    tok.fit_on_texts(DOCS)
    data = json.loads(tok.to_json())
    assert data["class_name"] == "Tokenizer" and data["config"]["num_words"] == 5
    back = tokenizer_from_json(tok.to_json())
    assert back.texts_to_sequences(DOCS) == tok.texts_to_sequences(DOCS)
    assert back.index_word == tok.index_word and back.index_docs == dict(tok.index_docs)
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        Tokenizer(bogus=1)
    with pytest.warns(UserWarning, match="renamed `num_words`"):
        assert Tokenizer(nb_words=3).num_words == 3


def test_text_functions():
    assert text.text_to_word_sequence("Hello, World!  x") == ["hello", "world", "x"]
    md5 = [int(hashlib.md5(w).hexdigest(), 16) % 9 + 1 for w in (b"a", b"b", b"a")]
    assert text.hashing_trick("a b a", 10, hash_function="md5") == md5
    assert all(1 <= i < 7 for i in text.one_hot("some words here", 7))


# --- TextVectorization -------------------------------------------------------------------------
CORPUS = ["The cat sat on the mat.", "The dog ate my homework!", "A cat, a dog; the END"]


def adapted(**kwargs):
    layer = TextVectorization(**kwargs)
    layer.adapt(CORPUS)
    return layer


def test_vocabulary_order_count_then_token_descending():
    vocab = adapted().get_vocabulary()
    # the 4, a 2, dog 2, cat 2 (ties: token descending), then the count-1 tokens descending
    assert vocab == ["", "[UNK]", "the", "dog", "cat", "a", "sat", "on", "my", "mat", "homework",
                     "end", "ate"]
    assert adapted(max_tokens=5).get_vocabulary() == ["", "[UNK]", "the", "dog", "cat"]
    assert adapted(output_mode="count").get_vocabulary()[:3] == ["[UNK]", "the", "dog"]
    assert adapted().get_vocabulary(include_special_tokens=False)[0] == "the"


def test_int_mode_padding_and_output_sequence_length():
    layer = adapted()
    out = layer(["the cat zebra", "", "dog"])
    np.testing.assert_array_equal(out, [[2, 4, 1], [0, 0, 0], [3, 0, 0]])
    assert out.dtype == np.int64
    np.testing.assert_array_equal(adapted(output_sequence_length=2)(["the cat zebra", "a"]),
                                  [[2, 4], [5, 0]])
    np.testing.assert_array_equal(layer("the cat"), [2, 4])  # a scalar string gives one row
    np.testing.assert_array_equal(layer(np.array([["dog a"], ["the"]])), [[3, 5], [2, 0]])
    np.testing.assert_array_equal(layer([b"the dog"]), [[2, 3]])


def test_standardize_is_ascii_lowercase_and_ascii_punctuation():
    layer = TextVectorization(vocabulary=["école", "École", "it's", "its", "¿qué", "new-line",
                                          "newline"])
    # "ÉCOLE" -> "École" (only ASCII letters lowered); "it's" -> "its"; "¿qué?" -> "¿qué"
    np.testing.assert_array_equal(layer(["ÉCOLE it's ¿qué? new-line"]), [[3, 5, 6, 8]])
    np.testing.assert_array_equal(
        TextVectorization(vocabulary=["a\u00a0b"], standardize=None)(["a\u00a0b a\tb"]),
        [[2, 1, 1]])  # a no-break space does not split; a tab does


def test_vector_modes():
    layer = adapted(output_mode="multi_hot")
    out = layer(["the the cat zebra", ""])
    expected = np.zeros((2, 12), "float32")
    expected[0, [0, 1, 3]] = 1
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32
    counts = adapted(output_mode="count", max_tokens=6, pad_to_max_tokens=True)(["the the x y"])
    np.testing.assert_array_equal(counts, [[2, 2, 0, 0, 0, 0]])
    tfidf = adapted(output_mode="tf_idf")
    out = tfidf(["the the zzz"])
    idf_the = math.log(1 + 3 / (1 + 3))
    assert math.isclose(out[0, 1], 2 * idf_the, rel_tol=1e-6)
    assert math.isclose(out[0, 0], float(np.mean(tfidf.idf_weights[1:])), rel_tol=1e-6)
    one_hot = TextVectorization(output_mode="one_hot", split=None, vocabulary=["x", "y"])
    np.testing.assert_array_equal(one_hot(["y", "q"]), [[0, 0, 1], [1, 0, 0]])


def test_ngrams_and_character_split():
    layer = TextVectorization(ngrams=2)
    layer.adapt(["a b a b"])
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "a b", "a", "b a"]
    np.testing.assert_array_equal(layer(["a b c"]), [[4, 2, 1, 3, 1]])
    chars = TextVectorization(split="character", standardize=None)
    chars.adapt(["abca"])
    assert chars.get_vocabulary() == ["", "[UNK]", "a", "c", "b"]


def test_callable_standardize_and_split():
    layer = TextVectorization(standardize=lambda x: np.char.upper(x),
                              split=lambda x: [s.split("-") for s in x])
    layer.adapt(["a-b-b"])
    assert layer.get_vocabulary() == ["", "[UNK]", "B", "A"]
    np.testing.assert_array_equal(layer(["b-a-c"]), [[2, 3, 1]])


def test_adapt_from_batches_and_steps():
    def batches():
        yield np.array(["x y", "y"])
        yield ["z z z"]
        yield ["never read"]
    layer = TextVectorization()
    layer.adapt(batches(), steps=2)
    assert layer.get_vocabulary() == ["", "[UNK]", "z", "y", "x"]


def test_set_vocabulary_rules():
    layer = TextVectorization(vocabulary=["", "[UNK]", "x", "y"])
    assert layer.get_vocabulary() == ["", "[UNK]", "x", "y"]
    with pytest.raises(ValueError, match="repeated term"):
        TextVectorization(vocabulary=["x", "x"])
    with pytest.raises(ValueError, match="reserved mask token"):
        TextVectorization(vocabulary=["x", ""])
    with pytest.raises(ValueError, match="larger than the maximum vocab size"):
        TextVectorization(max_tokens=3, vocabulary=["x", "y"])
    with pytest.raises(ValueError, match="Cannot adapt layer"):
        layer.adapt(["x"])
    with pytest.raises(ValueError, match="`idf_weights` argument must also be provided"):
        TextVectorization(output_mode="tf_idf", vocabulary=["a"])
    tfidf = TextVectorization(output_mode="tf_idf", vocabulary=["a", "b"], idf_weights=[0.5, 2.0])
    np.testing.assert_allclose(tfidf(["a b b c"]), [[1.25, 0.5, 4.0]])
    with pytest.raises(ValueError, match="has no vocabulary yet"):
        TextVectorization()(["a"])


@pytest.mark.parametrize("kwargs,message", [
    (dict(output_mode="foo"), "Unknown value for `output_mode`"),
    (dict(standardize="foo"), "Unknown value for `standardize`"),
    (dict(split="foo"), "Unknown value for `split`"),
    (dict(ngrams="x"), "`ngrams` must be None"),
    (dict(output_mode="count", output_sequence_length=3), "must not be set"),
    (dict(output_sequence_length=2.5), "must be either None or an integer"),
    (dict(max_tokens=1), "must be greater than 1"),
    (dict(pad_to_max_tokens=True), "must set `max_tokens`"),
    (dict(sparse=True), "TensorFlow backend"),
    (dict(idf_weights=[1.0]), "should only be set"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TextVectorization(**kwargs)


def test_rank2_input_with_more_than_one_column_is_refused():
    with pytest.raises(ValueError, match="the input rank must be 1 or the last shape dimension"):
        adapted()(np.array([["a", "b"]]))


def test_config_round_trip_and_vocabulary_file(tmp_path):
    layer = adapted(max_tokens=20, output_sequence_length=4, ngrams=(1, 2))
    config = layer.get_config()
    assert config["vocabulary"] is None and config["vocabulary_size"] == layer.vocabulary_size()
    assert config["ngrams"] == (1, 2) and config["output_mode"] == "int"
    clone = TextVectorization.from_config(json.loads(json.dumps(config)))
    assert clone._ngrams == (1, 2) and clone.get_vocabulary() == ["", "[UNK]"]
    path = tmp_path / "vocab.txt"
    path.write_text("x\ny\n", encoding="utf-8")
    from_file = TextVectorization(vocabulary=str(path))
    assert from_file.get_vocabulary() == ["", "[UNK]", "x", "y"]
    assert from_file.get_config()["vocabulary"] is None  # the path never enters the config
    listed = TextVectorization(vocabulary=["x", "y"]).get_config()
    assert listed["vocabulary"] == ["x", "y"]
    with pytest.raises(ValueError, match="does not exist"):
        TextVectorization(vocabulary=str(tmp_path / "missing.txt"))


@pytest.mark.parametrize("mode", ["int", "multi_hot", "tf_idf"])
def test_assets_and_variables_round_trip(tmp_path, mode):
    layer = adapted(output_mode=mode)
    store = {}
    layer.save_own_variables(store)
    layer.save_assets(str(tmp_path))
    clone = TextVectorization.from_config(layer.get_config())
    clone.load_own_variables(store)
    clone.load_assets(str(tmp_path))
    assert clone.get_vocabulary() == layer.get_vocabulary()
    np.testing.assert_array_equal(clone(CORPUS), layer(CORPUS))
    assert (mode == "tf_idf") == ("idf_weights" in store)


def test_in_a_functional_model_with_string_input():
    vectorize = adapted(output_sequence_length=5)
    inputs = keras.Input(shape=(1,), dtype=object)
    ids = vectorize(inputs)
    assert ids.shape == (None, 5) and ids.dtype == "int64"
    x = layers.GlobalAveragePooling1D()(layers.Embedding(20, 4)(ids))
    model = keras.Model(inputs, layers.Dense(1)(x))
    out = model.predict(np.array([["the cat"], ["a dog zebra"]]), verbose=0)
    assert out.shape == (2, 1)


def test_string_input_model_with_text_vectorization_trains():
    import minikeras as keras
    from minikeras import layers
    texts = np.array(["the cat sat", "the dog ran far away", "a cat", "dogs ran"])
    tv = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    tv.adapt(texts)
    inp = keras.Input(shape=(1,), dtype="string")
    assert inp.dtype == "string"
    out = layers.Dense(1)(layers.GlobalAveragePooling1D()(layers.Embedding(20, 4)(tv(inp))))
    model = keras.Model(inp, out)
    model.compile(keras.optimizers.SGD(0.5), "mse")
    history = model.fit(texts[:, None], np.array([[1.0], [0.0], [1.0], [0.0]]), epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
