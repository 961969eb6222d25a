"""`keras.datasets.reuters`: 11,228 Reuters newswires over 46 topics, each a list of word
indices ranked by frequency, read from `~/.keras/datasets/reuters.npz`."""
import json

import numpy as onp

from minikeras.datasets import _cache as c
from minikeras.datasets.npz_utils import load_npz

_LABELS = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Loads Reuters as `(x_train, y_train), (x_test, y_test)`.

    All newswires are shuffled (`RandomState(seed)`), each becomes
    `[start_char] + [w + index_from for w in wire]`, wires with `len >= maxlen` are dropped,
    words outside `[skip_top, num_words)` become `oov_char` (or vanish if it is None), and the
    first `1 - test_split` fraction trains. x: object arrays of lists of ints; y: topics 0..45.
    """
    path = c.fetch("Reuters", path, f"{c.ORIGIN}reuters.npz",
                   "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916")
    f = load_npz(path)
    indices = onp.arange(len(f["x"]))
    onp.random.RandomState(seed).shuffle(indices)
    xs, labels = c.index_words(f["x"][indices], start_char, index_from), f["y"][indices]
    if maxlen:
        xs, labels = c.remove_long_seq(maxlen, xs, labels)
    xs = c.cut_vocabulary(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return ((c.object_array(xs[:idx]), onp.array(labels[:idx])),
            (c.object_array(xs[idx:]), onp.array(labels[idx:])))


def get_word_index(path="reuters_word_index.json"):
    """The dict word -> rank (1 = most frequent); in the sequences rank r is `r + index_from`."""
    path = c.fetch("Reuters word index", path, f"{c.ORIGIN}reuters_word_index.json",
                   "4d44cc38712099c9e383dc6e5f11a921")
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, indexed like the labels."""
    return _LABELS
