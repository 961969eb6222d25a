"""`keras.datasets.imdb`: 50,000 movie reviews labelled by sentiment (Maas et al. 2011), each a
list of word indices ranked by frequency, read from `~/.keras/datasets/imdb.npz`."""
import json

import numpy as onp

from minikeras.datasets import _cache as c
from minikeras.datasets.npz_utils import load_npz


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Loads IMDB as `(x_train, y_train), (x_test, y_test)`: 25,000 reviews each.

    Each review is shuffled (`RandomState(seed)`, train then test), becomes
    `[start_char] + [w + index_from for w in review]`, reviews with `len >= maxlen` are dropped,
    and words outside `[skip_top, num_words)` become `oov_char` (or vanish if it is None).
    x: object arrays of lists of ints; y: int labels 0/1.
    """
    path = c.fetch("IMDB", path, f"{c.ORIGIN}imdb.npz",
                   "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f")
    f = load_npz(path)
    rng = onp.random.RandomState(seed)
    splits = []
    for x, y in ((f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])):
        indices = onp.arange(len(x))
        rng.shuffle(indices)
        splits.append([c.index_words(x[indices], start_char, index_from), y[indices]])
    if maxlen:
        splits = [list(c.remove_long_seq(maxlen, x, y)) for x, y in splits]
        if not splits[0][0] or not splits[1][0]:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, "
                             "no sequence was kept. Increase maxlen.")
    (x_train, labels_train), (x_test, labels_test) = splits
    xs = c.cut_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = onp.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return (c.object_array(xs[:idx]), labels[:idx]), (c.object_array(xs[idx:]), labels[idx:])


def get_word_index(path="imdb_word_index.json"):
    """The dict word -> rank (1 = most frequent) of the IMDB vocabulary.

    In `load_data`'s sequences the word of rank r appears as `r + index_from`.
    """
    path = c.fetch("IMDB word index", path, f"{c.ORIGIN}imdb_word_index.json",
                   "bfafd718b763782e994055a2d397834f")
    with open(path) as f:
        return json.load(f)
