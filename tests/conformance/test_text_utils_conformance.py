"""Tokenizer, TextVectorization, split_dataset, timeseries and directory datasets vs real Keras.

Real Keras runs Tokenizer, split_dataset's size / shuffle rules and the directory indexing
without TensorFlow, so those are compared live. TextVectorization and
timeseries_dataset_from_array need TensorFlow: they are compared with what Keras 3.15.1 on
TensorFlow 2.21 answered (data/text_utils_tf_keras.json, written by
data/record_text_utils_tf_keras.py), and live as well when TensorFlow is importable.
"""
import importlib.util
import json
import os
import random

import numpy as np
import pytest

from minikeras import utils
from minikeras.layers import TextVectorization
from minikeras.preprocessing import text as ours_text

RECORD = json.load(open(os.path.join(os.path.dirname(__file__), "data", "text_utils_tf_keras.json"),
                        encoding="utf-8"))
HAS_TF = importlib.util.find_spec("tensorflow") is not None
CORPUS = ["The cat sat on the mat.", "The dog ate my homework!", "the cat, the DOG; a bird",
          "Zebra zebra ÉCOLE école", "b a c b a c d", "it's\ta new-line\n[UNK] ¿qué? 42 4.2"]


@pytest.fixture(scope="module")
def legacy_text(keras):
    from keras.src.legacy.preprocessing import text
    return text


# --- Tokenizer -------------------------------------------------------------------------------
TOKENIZER_ARGS = [{}, {"num_words": 5}, {"oov_token": "<OOV>"}, {"num_words": 4, "oov_token": "?"},
                  {"lower": False}, {"char_level": True}, {"filters": "", "split": ","},
                  {"num_words": 6, "oov_token": "<OOV>", "char_level": True}]


@pytest.mark.parametrize("kwargs", TOKENIZER_ARGS)
def test_tokenizer_matches_keras(legacy_text, kwargs):
    queries = ["the zebra cat", "unknown words only", "a b c d", "", CORPUS[5]]
    theirs, ours = legacy_text.Tokenizer(**kwargs), ours_text.Tokenizer(**kwargs)
    theirs.fit_on_texts(CORPUS)
    ours.fit_on_texts(CORPUS)
    assert list(ours.word_index.items()) == list(theirs.word_index.items())
    assert ours.index_word == theirs.index_word
    assert list(ours.word_counts.items()) == list(theirs.word_counts.items())
    assert dict(ours.word_docs) == dict(theirs.word_docs)
    assert dict(ours.index_docs) == dict(theirs.index_docs)
    seqs = theirs.texts_to_sequences(queries)
    assert ours.texts_to_sequences(queries) == seqs
    assert ours.sequences_to_texts(seqs) == theirs.sequences_to_texts(seqs)
    for mode in ("binary", "count", "freq", "tfidf"):
        np.testing.assert_allclose(ours.texts_to_matrix(queries, mode=mode),
                                   theirs.texts_to_matrix(queries, mode=mode), rtol=1e-12)
    assert ours.get_config() == theirs.get_config()
    assert json.loads(ours.to_json()) == json.loads(theirs.to_json())


def test_tokenizer_json_round_trip_across_libraries(legacy_text):
    theirs = legacy_text.Tokenizer(num_words=6, oov_token="<OOV>")
    theirs.fit_on_texts(CORPUS)
    ours = ours_text.tokenizer_from_json(theirs.to_json())
    back = legacy_text.tokenizer_from_json(ours.to_json())
    for t in (ours, back):
        assert t.texts_to_sequences(CORPUS) == theirs.texts_to_sequences(CORPUS)
        assert t.index_word == theirs.index_word


def test_tokenizer_fit_on_sequences_and_word_lists(legacy_text):
    docs = [["Hello", "World", "hello"], ["world"]]
    theirs, ours = legacy_text.Tokenizer(), ours_text.Tokenizer()
    theirs.fit_on_texts(docs)
    ours.fit_on_texts(docs)
    assert ours.word_index == theirs.word_index
    seqs = [[1, 2, 2], [3]]
    theirs.fit_on_sequences(seqs)
    ours.fit_on_sequences(seqs)
    np.testing.assert_allclose(ours.sequences_to_matrix(seqs, mode="tfidf"),
                               theirs.sequences_to_matrix(seqs, mode="tfidf"))


@pytest.mark.parametrize("text", CORPUS)
def test_text_to_word_sequence_and_md5_hashing(legacy_text, text):
    assert ours_text.text_to_word_sequence(text) == legacy_text.text_to_word_sequence(text)
    assert (ours_text.text_to_word_sequence(text, lower=False, split="a", filters=".")
            == legacy_text.text_to_word_sequence(text, lower=False, split="a", filters="."))
    assert (ours_text.hashing_trick(text, 17, hash_function="md5")
            == legacy_text.hashing_trick(text, 17, hash_function="md5"))
    assert ours_text.one_hot(text, 50) == legacy_text.one_hot(text, 50)  # same process, same hash


# --- TextVectorization (recorded from Keras on TensorFlow) --------------------------------
def _case_kwargs(case):
    kwargs = dict(case["kwargs"])
    if isinstance(kwargs.get("ngrams"), list):
        kwargs["ngrams"] = tuple(kwargs["ngrams"])
    return kwargs


def _ours_text_vectorization(case):
    layer = TextVectorization(**_case_kwargs(case))
    if case["corpus"] is not None:
        layer.adapt(np.array(case["corpus"]))
    return layer.get_vocabulary(), np.asarray(layer(np.array(case["query"])))


@pytest.mark.parametrize("case", RECORD["text_vectorization"], ids=lambda c: c["name"])
def test_text_vectorization_matches_recorded_keras(case):
    vocab, out = _ours_text_vectorization(case)
    assert vocab == case["vocabulary"]
    assert list(out.shape) == case["shape"]
    np.testing.assert_allclose(out, np.array(case["output"]).reshape(out.shape), rtol=1e-5,
                               atol=1e-5)


def test_recorded_vocabulary_order_is_count_then_token_descending():
    """The rule the record shows: count descending, ties by token (UTF-8 bytes) descending."""
    case = next(c for c in RECORD["text_vectorization"] if c["name"] == "default")
    counts = {}
    for doc in case["corpus"]:
        layer = TextVectorization(split="whitespace")
        for t in layer._split_rows(layer._standardized(layer._strings([doc])))[0]:
            counts[t] = counts.get(t, 0) + 1
    tokens = case["vocabulary"][2:]
    keys = [(counts[t], t.encode()) for t in tokens]
    assert keys == sorted(keys, reverse=True)


# --- timeseries_dataset_from_array (recorded from Keras on TensorFlow) --------------------
@pytest.mark.parametrize("case", RECORD["timeseries"], ids=lambda c: c["name"])
def test_timeseries_matches_recorded_keras(case):
    data, targets = np.arange(60).reshape(30, 2).astype("float32"), np.arange(30) * 10
    ds = utils.timeseries_dataset_from_array(data, targets, **case["kwargs"])
    got = [[x.tolist(), y.tolist()] for x, y in ds]
    assert got == case["batches"]


# --- split_dataset: Keras's own size and shuffle rules -------------------------------------
def _keras_split(keras, dataset, left_size, right_size, shuffle, seed):
    """Keras's _split_dataset_tf up to the tf.data conversion (which needs TensorFlow)."""
    from keras.src.utils import dataset_utils as du
    spec = du._get_type_spec(dataset)
    samples = du._convert_dataset_to_list(dataset, spec)
    if shuffle:
        random.seed(seed)
        random.shuffle(samples)
    left, right = du._rescale_dataset_split_sizes(left_size, right_size, len(samples))
    parts = [du._restore_dataset_from_list(list(p), spec, dataset)
             for p in (samples[:left], samples[-right:])]
    return [np.stack(p) if isinstance(p, list) else p for p in parts]


@pytest.mark.parametrize("sizes", [(0.8, None), (None, 0.25), (7, None), (None, 3), (0.5, 0.3),
                                   (4, 5)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_split_dataset_matches_keras(keras, sizes, shuffle):
    x, y = np.arange(40).reshape(20, 2), np.arange(20) * 3
    for dataset in (x, (x, y), [x, y]):
        theirs = _keras_split(keras, dataset, *sizes, shuffle, seed=11)
        ours = utils.split_dataset(dataset, *sizes, shuffle=shuffle, seed=11)
        for a, b in zip(ours, theirs):
            if isinstance(b, tuple):
                assert isinstance(a, tuple) and len(a) == len(b)
                for u, v in zip(a, b):
                    np.testing.assert_array_equal(u, v)
            else:
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("sizes", [(0, 0), (20, None), (1.5, None), (None, -1), (0.7, 0.6),
                                   (15, 10), ("3", None), (0.01, None)])
def test_split_dataset_errors_match_keras(keras, sizes):
    from keras.src.utils import dataset_utils as du
    with pytest.raises(Exception) as theirs:
        du._rescale_dataset_split_sizes(*sizes, 20)
    with pytest.raises(type(theirs.value)) as ours:
        utils.split_dataset(np.arange(20), *sizes)
    assert str(ours.value) == str(theirs.value)


# --- directory datasets: Keras's indexing (file order, labels, class names, splits) --------
@pytest.fixture(scope="module")
def text_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("texts")
    for cls, n in (("pos", 4), ("neg", 3), ("b_other", 2)):
        (root / cls).mkdir()
        for i in range(n):
            (root / cls / f"doc{i}.txt").write_text(f"{cls} {i}")
    (root / "pos" / "nested").mkdir()
    (root / "pos" / "nested" / "deep.TXT").write_text("deep")
    (root / "pos" / "notes.md").write_text("not a text file")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "h.txt").write_text("hidden")
    (root / "loose.txt").write_text("top level")
    return str(root)


@pytest.mark.parametrize("kwargs", [
    dict(labels="inferred", class_names=None, shuffle=False, seed=None),
    dict(labels="inferred", class_names=["pos", "neg"], shuffle=False, seed=None),
    dict(labels="inferred", class_names=None, shuffle=True, seed=3),
    dict(labels=None, class_names=None, shuffle=True, seed=9),
    dict(labels=[0, 1, 0, 1, 2, 2, 0, 1, 1, 0, 1, 2], class_names=None, shuffle=True, seed=5),
])
def test_index_directory_matches_keras(keras, text_tree, kwargs):
    from keras.src.utils import dataset_utils as du
    from minikeras.utils import directory_utils as ours
    copy = lambda: {k: list(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    theirs = du.index_directory(text_tree, formats=(".txt",), verbose=False, **copy())
    given = copy()
    mine = ours.index_directory(text_tree, formats=(".txt",), verbose=False, **given)
    assert given == copy()  # Keras shuffles a given labels list in place; we leave it alone
    assert mine[0] == theirs[0]
    assert (mine[1] is None) == (theirs[1] is None)
    if theirs[1] is not None:
        np.testing.assert_array_equal(mine[1], theirs[1])
    assert mine[2] == theirs[2]


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_text_dataset_split_files_match_keras(keras, text_tree, subset):
    from keras.src.utils import dataset_utils as du
    paths, labels, names = du.index_directory(text_tree, "inferred", formats=(".txt",), seed=21,
                                              verbose=False)
    paths, labels = du.get_training_or_validation_split(paths, labels, 0.3, subset)
    ds = utils.text_dataset_from_directory(text_tree, batch_size=4, seed=21, validation_split=0.3,
                                           subset=subset, verbose=False)
    assert ds.class_names == names == ["b_other", "neg", "pos"]
    assert ds.file_paths == paths
    texts, got = map(np.concatenate, zip(*ds))
    np.testing.assert_array_equal(got, labels)
    expected = [open(p, encoding="utf-8").read() for p in paths]
    assert texts.tolist() == expected


def test_directory_dataset_argument_errors_match_keras(keras, text_tree):
    checks = [dict(labels="bad"), dict(label_mode="sparse"), dict(validation_split=0.2),
              dict(subset="training"), dict(validation_split=1.5, subset="training", seed=1),
              dict(validation_split=0.2, subset="training"),
              dict(label_mode="binary", seed=1), dict(labels=[0, 1], class_names=["a"]),
              dict(class_names=["pos", "nope"])]
    for kwargs in checks:
        with pytest.raises(Exception) as theirs:
            keras.utils.text_dataset_from_directory(text_tree, verbose=False, **kwargs)
        if "TensorFlow" in str(theirs.value) or "tensorflow" in str(theirs.value):
            continue  # got past the checks into tf.data
        with pytest.raises(type(theirs.value)) as ours:
            utils.text_dataset_from_directory(text_tree, verbose=False, **kwargs)
        assert str(ours.value) == str(theirs.value), kwargs
