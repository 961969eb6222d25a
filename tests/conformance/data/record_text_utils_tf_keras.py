"""Records what real Keras answers for the text / timeseries utilities that need TensorFlow.

Keras 3's TextVectorization and timeseries_dataset_from_array run on TensorFlow, which the
conformance environment (Keras on JAX) does not install. This script, run once where TensorFlow
is installed, writes text_utils_tf_keras.json beside it; tests/conformance/
test_text_utils_conformance.py compares minikeras with that file (and with live Keras whenever
TensorFlow is importable).

    KERAS_BACKEND=tensorflow python tests/conformance/data/record_text_utils_tf_keras.py
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

CORPUS = ["The cat sat on the mat.", "The dog ate my homework!", "A cat, a dog; the END",
          "zebra Zebra ÉCOLE école", "b a c b a c d", "it's  a\ttab\nnew-line [UNK] ¿qué?"]
QUERY = ["the cat the zzz", "a b c d e", "", "École it's"]
# (name, constructor kwargs, adapt corpus or None, call input)
TEXT_VECTORIZATION = [
    ("default", {}, CORPUS, QUERY),
    ("max_tokens", {"max_tokens": 6}, CORPUS, QUERY),
    ("output_sequence_length_cut", {"output_sequence_length": 3}, CORPUS, QUERY),
    ("output_sequence_length_pad", {"output_sequence_length": 8}, CORPUS, QUERY),
    ("multi_hot", {"output_mode": "multi_hot"}, CORPUS, QUERY),
    ("multi_hot_padded", {"output_mode": "multi_hot", "max_tokens": 10, "pad_to_max_tokens": True},
     CORPUS, QUERY),
    ("count_bigrams", {"output_mode": "count", "ngrams": 2}, CORPUS, QUERY),
    ("tf_idf", {"output_mode": "tf_idf"}, CORPUS, QUERY),
    ("tf_idf_padded", {"output_mode": "tf_idf", "max_tokens": 5, "pad_to_max_tokens": True},
     CORPUS, QUERY),
    ("characters", {"split": "character", "standardize": None}, ["abca", "ÉÉb", "  x"],
     ["abz", "É", " "]),
    ("lower_no_split", {"standardize": "lower", "split": None}, ["ÉCOLE Ab", "x", "x"],
     ["x", "école ab", "ab"]),
    ("strip_punctuation", {"standardize": "strip_punctuation"}, CORPUS, QUERY),
    ("no_standardize", {"standardize": None}, CORPUS, QUERY),
    ("ngram_widths", {"ngrams": [2, 3]}, ["a b c d", "b c"], ["a b c", "d"]),
    ("one_hot_no_split", {"output_mode": "one_hot", "split": None}, ["a", "b", "a"],
     ["a", "b", "zz"]),
    ("count_no_split_rank2", {"output_mode": "count", "split": None}, [["a"], ["b"], ["a"]],
     [["a"], ["q"]]),
    ("vocabulary", {"vocabulary": ["x", "y", "z"]}, None, ["x z q y"]),
    ("vocabulary_with_specials", {"vocabulary": ["", "[UNK]", "x", "y"]}, None, ["x z q y"]),
    ("tf_idf_given", {"output_mode": "tf_idf", "vocabulary": ["a", "b"], "idf_weights": [0.5, 2.0]},
     None, ["a b b c"]),
    ("multi_hot_vocabulary", {"output_mode": "multi_hot", "vocabulary": ["x", "y"]}, None,
     ["x x q", "y"]),
]
# (name, kwargs) over data = arange(60).reshape(30, 2), targets = arange(30) * 10
TIMESERIES = [
    ("basic", {"sequence_length": 5, "batch_size": 4}),
    ("stride_and_rate", {"sequence_length": 4, "sequence_stride": 3, "sampling_rate": 2,
                         "batch_size": 3}),
    ("start_end", {"sequence_length": 3, "start_index": 4, "end_index": 20, "batch_size": 5}),
    ("unbatched", {"sequence_length": 3, "batch_size": None, "sequence_stride": 7}),
]


def keras_text_vectorization(keras, kwargs, corpus, query):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("ngrams"), list):
        kwargs["ngrams"] = tuple(kwargs["ngrams"])
    layer = keras.layers.TextVectorization(**kwargs)
    if corpus is not None:
        layer.adapt(np.array(corpus))
    out = np.asarray(layer(np.array(query)))
    return [str(v) for v in layer.get_vocabulary()], out


def keras_timeseries(keras, kwargs):
    data, targets = np.arange(60).reshape(30, 2).astype("float32"), np.arange(30) * 10
    ds = keras.utils.timeseries_dataset_from_array(data, targets, **kwargs)
    return [[np.asarray(x).tolist(), np.asarray(y).tolist()] for x, y in ds]


def main():
    import keras
    record = {"keras": keras.__version__, "text_vectorization": [], "timeseries": []}
    for name, kwargs, corpus, query in TEXT_VECTORIZATION:
        vocab, out = keras_text_vectorization(keras, kwargs, corpus, query)
        record["text_vectorization"].append(
            {"name": name, "kwargs": kwargs, "corpus": corpus, "query": query, "vocabulary": vocab,
             "output": out.astype("float64").round(6).tolist(), "shape": list(out.shape)})
    for name, kwargs in TIMESERIES:
        record["timeseries"].append({"name": name, "kwargs": kwargs,
                                     "batches": keras_timeseries(keras, kwargs)})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "text_utils_tf_keras.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
