"""TextVectorization: strings -> token indices (or multi-hot / count / TF-IDF vectors), in numpy.

Pipeline (as Keras, whose version runs on tf.strings): standardize -> split -> n-grams ->
vocabulary lookup -> encode.
- "lower" lower-cases ASCII letters only (tf.strings.lower); "strip_punctuation" deletes the
  ASCII characters !"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ ; "whitespace" splits on runs of
  space, \\t, \\n, \\v, \\f, \\r.
- `adapt` counts tokens; the vocabulary is the tokens by decreasing count, ties by decreasing
  token (UTF-8 byte order), cut to `max_tokens` minus the special tokens.
- Indices: int mode reserves 0 for padding ("") and 1 for out-of-vocabulary ("[UNK]"); the
  other modes reserve only 0 for "[UNK]".
- tf_idf: count(t) * idf(t), idf(t) = log(1 + documents / (1 + documents containing t)); the
  [UNK] slot gets the mean idf.
"""
import collections
import os
import re

import numpy as onp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer

MASK, OOV = "", "[UNK]"
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _check_choice(value, allowed, arg, allow_none=True):
    if (value is None and allow_none) or callable(value) or value in allowed:
        return
    raise ValueError(f"Unknown value for `{arg}` argument of TextVectorization. Allowed values "
                     f"are: {allowed}. Received: {arg}={value}")


def _ngrams(tokens, widths):
    """Every n-gram of each width, width by width: ["a", "b"], (1, 2) -> a, b, "a b"."""
    return [" ".join(tokens[i:i + n]) for n in widths for i in range(len(tokens) - n + 1)]


class TextVectorization(Layer):
    """Turns strings into sequences of token indices, or into one vector per string.

    Args:
        max_tokens: vocabulary size cap, special tokens included (None: no cap).
        standardize: "lower_and_strip_punctuation", "lower", "strip_punctuation", None, or a
            callable taking and returning a numpy array of Python strings.
        split: "whitespace", "character", None (each string is one token), or a callable taking
            a 1-D numpy array of strings and returning one list of tokens per string.
        ngrams: None, an int n (all 1..n-grams) or a tuple of widths.
        output_mode: "int", "one_hot" (with split=None), "multi_hot" (alias "binary"),
            "count" or "tf_idf" (alias "tf-idf").
        output_sequence_length: int mode: pad / cut every sequence to this length.
        pad_to_max_tokens: vector modes: output width `max_tokens` instead of the vocabulary size.
        vocabulary: list of tokens, or the path of a text file with one token per line (read
            here, at construction; the config then holds None, as in Keras).
        idf_weights: tf_idf with a given vocabulary: one weight per vocabulary entry.
        sparse, ragged: only False (Keras supports True on TensorFlow only).
        encoding: how bytes inputs are decoded.
    Input: a string, or a list / 1-D array / (N, 1) array of strings.
    Output: int64 (N, length) for "int" (length: output_sequence_length, else the longest row);
        float32 (N, width) for the vector modes.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        for flag, value in (("sparse", sparse), ("ragged", ragged)):
            if value:
                raise ValueError(f"`{flag}=True` can only be used with the TensorFlow backend.")
        _check_choice(standardize, ("lower_and_strip_punctuation", "lower", "strip_punctuation"),
                      "standardize")
        _check_choice(split, ("whitespace", "character"), "split")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_choice(output_mode, _MODES, "output_mode", allow_none=False)
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple)
                and all(isinstance(n, int) for n in ngrams)):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None
                                         or isinstance(output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer when "
                             "`output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                             f"max_tokens={max_tokens}")
        if ngrams is not None and split is None:
            raise ValueError("`ngrams` needs a `split` in minikeras (Keras would build n-grams "
                             f"across the batch). Received: ngrams={ngrams}, split=None")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                             f"Received: idf_weights={idf_weights} and output_mode={output_mode}")
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self.max_tokens, self.pad_to_max_tokens = max_tokens, pad_to_max_tokens
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._encoding = encoding
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._tokens, self._index, self.idf_weights = [], {}, None
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, "
                             "the `idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.reset_state()
        self._build_at_init()

    # --- vocabulary ----------------------------------------------------------------------
    def _token_start(self):
        """Index of the first real token: after [UNK] (and the "" padding token in int mode)."""
        return 2 if self._output_mode == "int" else 1

    def _specials(self):
        return [MASK, OOV] if self._output_mode == "int" else [OOV]

    def vocabulary_size(self):
        """Vocabulary size, special tokens included."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (from the first real token if not include_special_tokens)."""
        return (self._specials() if include_special_tokens else []) + list(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (a list of tokens, with or without the leading special tokens,
        or the path of a one-token-per-line file) and, for tf_idf, its idf weights."""
        if self._output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self._output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self._output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            if not os.path.exists(vocabulary):
                raise ValueError(f"Vocabulary file {vocabulary} does not exist.")
            if self._output_mode == "tf_idf":
                raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary "
                                 "from file.")
            with open(vocabulary, encoding=self._encoding) as f:
                vocabulary = f.read().splitlines()
        vocabulary = [self._decode(t) for t in onp.asarray(vocabulary).ravel().tolist()]
        if not vocabulary:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        specials = self._specials()
        found_specials = vocabulary[:len(specials)] == specials
        tokens = vocabulary[len(specials):] if found_specials else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        if MASK in tokens:
            raise ValueError(
                "Found reserved mask token at unexpected location in `vocabulary`. Note that "
                "passed `vocabulary` does not need to include the OOV and mask tokens. Either "
                "remove all mask and OOV tokens, or include them only at the start of the "
                f"vocabulary in precisely this order: {[MASK, OOV]}. Received: mask_token= at "
                f"vocabulary index {len(vocabulary) - 1 - vocabulary[::-1].index(MASK)}")
        size = self._token_start() + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. "
                             f"Received vocabulary size is {size}; `max_tokens` is "
                             f"{self.max_tokens}.")
        self._set_tokens(tokens)
        if self._output_mode == "tf_idf":
            weights = onp.asarray(idf_weights, dtype="float32")
            if len(weights) != len(vocabulary):
                raise ValueError("`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(weights)}; len(vocabulary) is "
                                 f"{len(vocabulary)}")
            if weights.ndim != 1:
                raise ValueError("TF-IDF data must be a 1-index array. "
                                 f"Received: type(idf_weights)={type(idf_weights)}")
            if not found_specials:  # the [UNK] slot gets the mean idf
                weights = onp.concatenate([onp.full(1, onp.mean(weights), "float32"), weights])
            self.idf_weights = self._pad_idf(weights)

    def _set_tokens(self, tokens):
        start = self._token_start()
        self._tokens = list(tokens)
        self._index = {t: i for i, t in enumerate(self._tokens, start=start)}

    def _pad_idf(self, weights):
        if self.pad_to_max_tokens and self.max_tokens is not None:
            padding = onp.zeros(self.max_tokens - len(weights), "float32")
            weights = onp.concatenate([weights, padding])
        return weights.astype("float32")

    # --- adapt ---------------------------------------------------------------------------
    def reset_state(self):
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0

    def adapt(self, data, batch_size=None, steps=None):
        """Builds the vocabulary (and idf weights) from `data`: strings, or an iterable of
        batches of strings (e.g. a generator or a minikeras dataset mapped to its texts)."""
        self.reset_state()
        if isinstance(data, (list, tuple, onp.ndarray, str)):
            self.update_state(data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary "
                             "via `vocabulary` argument or `set_vocabulary()` method.")
        for doc in self._documents(data):
            self._counts.update(doc)
            if self._output_mode == "tf_idf":
                self._doc_counts.update(set(doc))
                self._num_documents += 1

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            return
        counts = {t: c for t, c in self._counts.items() if t not in (MASK, OOV)}
        ranked = sorted(counts, key=lambda t: (counts[t], t.encode("utf-8")), reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start()]
        self._set_tokens(ranked)
        if self._output_mode == "tf_idf":
            docs = onp.array([self._doc_counts[t] for t in ranked], dtype="float64")
            idf = onp.log(1 + self._num_documents / (1 + docs)).astype("float32")
            idf = onp.concatenate([[onp.mean(idf)], idf]).astype("float32")
            self.idf_weights = self._pad_idf(idf)
        self.reset_state()

    # --- the pipeline ------------------------------------------------------------------------
    def _decode(self, s):
        return s.decode(self._encoding) if isinstance(s, bytes) else str(s)

    def _strings(self, inputs):
        """The inputs as a numpy array of Python strings (bytes decoded)."""
        arr = onp.asarray(inputs, dtype=object)
        flat = [self._decode(s) for s in arr.ravel().tolist()]
        return onp.array(flat, dtype=object).reshape(arr.shape)

    def _standardized(self, strings):
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            strings = onp.vectorize(lambda s: s.translate(_ASCII_LOWER), otypes=[object])(strings)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            strings = onp.vectorize(lambda s: _PUNCTUATION.sub("", s), otypes=[object])(strings)
        if callable(self._standardize):
            strings = self._strings(self._standardize(strings.astype(str)))
        return strings

    def _split_rows(self, strings):
        """One token list per string of a 1-D array."""
        if self._split == "whitespace":
            return [[t for t in _WHITESPACE.split(s) if t] for s in strings]
        if self._split == "character":
            return [list(s) for s in strings]
        return [[self._decode(t) for t in row] for row in self._split(strings.astype(str))]

    def _preprocess(self, inputs):
        """(rows, tokens): with a split, `rows` is one token list per input string (a scalar
        input gives one row) and tokens is None; with split=None, rows is None and `tokens` is
        the standardized string array itself."""
        strings = self._standardized(self._strings(inputs))
        if self._split is None:
            return None, strings
        if strings.ndim > 1:
            if strings.shape[-1] != 1:
                raise ValueError(
                    "When using `TextVectorization` to tokenize strings, the input rank must be "
                    f"1 or the last shape dimension must be 1. Received: inputs.shape="
                    f"{strings.shape} with rank={strings.ndim}")
            strings = strings[..., 0]
        rows = self._split_rows(strings.reshape(-1))
        if self._ngrams is not None:
            rows = [_ngrams(r, self._ngrams) for r in rows]
        return rows, None

    def _documents(self, data):
        rows, tokens = self._preprocess(data)
        return [[t] for t in tokens.ravel().tolist()] if rows is None else rows

    def _lookup(self, token):
        return 0 if token == MASK else self._index.get(token, self._token_start() - 1)

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def call(self, inputs):
        if not self._tokens:
            raise ValueError(f"Layer '{self.name}' has no vocabulary yet: call `adapt()` on some "
                             "text, or pass `vocabulary` to the constructor.")
        scalar = onp.ndim(inputs) == 0
        rows, tokens = self._preprocess(inputs)
        if self._output_mode == "int":
            out = self._encode_int(rows) if rows is not None else self._encode_int_dense(tokens)
            return out[0] if scalar and rows is not None else out
        if self._output_mode == "one_hot":
            if rows is not None:
                raise ValueError("output_mode='one_hot' needs split=None in minikeras (with a "
                                 "split, Keras returns a ragged tensor).")
            ids = onp.vectorize(self._lookup, otypes=["int64"])(tokens)
            ids = ids[..., 0] if ids.ndim > 1 and ids.shape[-1] == 1 else ids
            return (ids[..., None] == onp.arange(self._depth())).astype("float32")
        if rows is None:  # split=None: a 1-D input is a single bag of tokens (Keras's bincount)
            scalar = tokens.ndim <= 1
            rows = ([tokens.ravel().tolist()] if scalar
                    else tokens.reshape(-1, tokens.shape[-1]).tolist())
        out = onp.zeros((len(rows), self._depth()), "float32")
        for i, row in enumerate(rows):
            out[i] = self._bag(row)  # untraced numpy: row writes are fine here
        return out[0] if scalar else out

    def _bag(self, tokens):
        """One row of multi_hot / count / tf_idf: counts per index (padding tokens dropped)."""
        ids = onp.asarray([self._lookup(t) for t in tokens if t != MASK], dtype="int64")
        counts = onp.bincount(ids, minlength=self._depth())[:self._depth()].astype("float32")
        if self._output_mode == "multi_hot":
            return onp.minimum(counts, 1)
        return counts * self.idf_weights if self._output_mode == "tf_idf" else counts

    def _encode_int(self, rows):
        """(len(rows), width) int64: each row's ids, cut to / padded with 0 up to the width
        (output_sequence_length, else the longest row)."""
        length = self._output_sequence_length
        width = length if length is not None else max([len(r) for r in rows], default=0)
        out = onp.zeros((len(rows), width), dtype="int64")
        for i, row in enumerate(rows):
            ids = [self._lookup(t) for t in row[:width]]
            out[i, :len(ids)] = ids  # untraced numpy: row writes are fine here
        return out

    def _encode_int_dense(self, tokens):
        """split=None: one id per string, same shape; output_sequence_length cuts / pads the
        last axis (as Keras, even when that axis is the batch)."""
        ids = onp.vectorize(self._lookup, otypes=["int64"])(tokens)
        length = self._output_sequence_length
        if length is None or ids.ndim == 0:
            return ids
        ids = ids[..., :length]
        return onp.pad(ids, [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])])

    # --- shapes, config, saving --------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        return (input_shape[0], self._depth())

    def compute_output_spec(self, inputs):
        dtype = "int64" if self._output_mode == "int" else "float32"
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape)), dtype=dtype)

    def get_config(self):
        listify = lambda x: x.tolist() if isinstance(x, onp.ndarray) else x
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "standardize": self._standardize, "split": self._split,
                "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": False, "ragged": False,
                "vocabulary": listify(self.input_vocabulary),
                "idf_weights": listify(self.input_idf_weights), "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                raise ValueError(f"TextVectorization.from_config: a custom `{key}` callable "
                                 "cannot be restored from a config; pass it in code.")
        return super().from_config(config)

    def save_own_variables(self, store):
        """Keras's layout: tf_idf stores `store["idf_weights"]`; other modes store nothing."""
        if self._output_mode == "tf_idf":
            store["idf_weights"] = self.idf_weights

    def load_own_variables(self, store):
        if self._output_mode == "tf_idf":
            self.idf_weights = onp.asarray(store["idf_weights"], dtype="float32")

    def save_assets(self, dir_path):
        """An adapted vocabulary goes to `dir_path/vocabulary.txt`, one token per line, special
        tokens included (Keras's asset layout); a vocabulary given as a list is in the config."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(self.get_vocabulary()))

    def load_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if self._output_mode == "tf_idf":
            idf = self.idf_weights
            self.set_vocabulary(lines, idf_weights=idf[:len(lines)] if idf is not None else None)
        else:
            self.set_vocabulary(lines)
