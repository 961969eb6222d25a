"""IndexLookup: the vocabulary table under StringLookup and IntegerLookup, in numpy.

Index layout (Keras's): [mask (int mode with a mask_token)] [num_oov_indices OOV slots]
[the vocabulary]. So with the defaults (no mask, one OOV slot) the OOV index is 0 and the
first token is 1; in the vector output modes the mask takes no index.
- `adapt` counts tokens; the vocabulary is the tokens by decreasing count, ties by decreasing
  token (`numpy.lexsort((tokens, counts))[::-1]`), cut to `max_tokens` minus the special
  indices. tf_idf also counts documents (rows): idf(t) = log(1 + rows / (1 + rows holding t)),
  the special slots getting the mean idf.
- Out-of-vocabulary values go to the single OOV index, or with several OOV indices to
  `value mod num_oov_indices` (integers, oov_method="floormod") or to
  `Fingerprint64(value) mod num_oov_indices` (strings, or integers with "farmhash").
- num_oov_indices=0 makes an OOV value an error.
"""
import collections
import os

import numpy as onp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer
from minikeras.layers.preprocessing.category_encoding import encode_categorical, encoded_shape
from minikeras.layers.preprocessing.farmhash import fingerprint64_array
from minikeras.layers.preprocessing.hashing import as_text

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_INT64_MAX = onp.iinfo("int64").max


def _listify(value):
    return value.tolist() if isinstance(value, onp.ndarray) else value


class IndexLookup(Layer):
    """Maps values to indices through a vocabulary (or back, with `invert=True`).

    Subclasses fix `vocabulary_dtype` ("string" or "int64") and convert inputs with
    `_to_keys`. Arguments as StringLookup / IntegerLookup document them.
    """

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", name=None,
                 salt=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("`num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"Unknown value for `oov_method` argument of layer "
                             f"{type(self).__name__}. Allowed values are: ('floormod', "
                             f"'farmhash'). Received: oov_method={oov_method}")
        if salt is not None:
            raise NotImplementedError("A `salt` (TensorFlow's keyed SipHash for OOV values) is "
                                      "not implemented in minikeras.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(f"Unknown value for `output_mode` argument of layer "
                             f"{type(self).__name__}. Allowed values are: {_MODES}. "
                             f"Received: output_mode={output_mode}")
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError("`sparse` may only be true if `output_mode` is `'one_hot'`, "
                             "`'multi_hot'`, `'count'` or `'tf_idf'`. Received: "
                             f"sparse={sparse} and output_mode={output_mode}")
        if sparse:
            raise ValueError("`sparse=True` can only be used with the TensorFlow backend.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                             f"Received: idf_weights={idf_weights} and output_mode={output_mode}")
        self._frozen_vocab_size = kwargs.pop("vocabulary_size", None)
        self._has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name)
        self.invert, self.max_tokens, self.num_oov_indices = invert, max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, oov_token
        self.output_mode, self.sparse, self.pad_to_max_tokens = output_mode, sparse, pad_to_max_tokens
        self.vocabulary_dtype, self.oov_method, self.salt = vocabulary_dtype, oov_method, salt
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, "
                             "the `idf_weights` argument must also be provided.")
        self._tokens, self._index, self.idf_weights = [], {}, None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self.reset_state()
        self.built = True

    def _to_keys(self, values):
        """Inputs as lookup keys: Python strings for a string vocabulary, int64 otherwise
        (StringLookup / IntegerLookup refine this with their own checks)."""
        values = onp.asarray(values)
        if self.vocabulary_dtype != "string":
            return values.astype("int64")
        flat = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values.ravel().tolist()]
        return onp.array(flat, dtype=object).reshape(values.shape)

    # --- index layout ---------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The size of the vocabulary, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (the mask, then `num_oov_indices` OOV tokens, first)."""
        vocab = [self.oov_token] * self._token_start_index() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[self._token_start_index():]

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    # --- the vocabulary -------------------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (with or without the leading special tokens) and, for tf_idf,
        one idf weight per entry. A string is the path of a file with one token per line."""
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        vocabulary = list(self._to_keys(onp.asarray(vocabulary)).ravel())
        if not vocabulary:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        specials = ([self.mask_token] * self._oov_start_index()
                    + [self.oov_token] * self.num_oov_indices)
        found_specials = vocabulary[:len(specials)] == specials
        tokens = vocabulary[len(specials):] if found_specials else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        for name, token in (("mask_token", self.mask_token),
                            ("oov_token", self.oov_token if self.invert else None)):
            if token is not None and token in tokens:
                raise ValueError(
                    f"Found reserved {'mask' if name == 'mask_token' else 'OOV'} token at "
                    "unexpected location in `vocabulary`. Note that passed `vocabulary` does "
                    "not need to include the OOV and mask tokens. Either remove all mask and "
                    "OOV tokens, or include them only at the start of the vocabulary in "
                    f"precisely this order: {specials}. Received: {name}={token} at "
                    f"vocabulary index {len(vocabulary) - 1 - vocabulary[::-1].index(token)}")
        if self.max_tokens is not None and len(specials) + len(tokens) > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. "
                             f"Received vocabulary size is {len(specials) + len(tokens)}; "
                             f"`max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            weights = onp.asarray(idf_weights, dtype="float32")
            if len(weights) != len(vocabulary):
                raise ValueError("`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(weights)}; len(vocabulary) is "
                                 f"{len(vocabulary)}")
            front = 0 if found_specials else len(specials)
            back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
            self.idf_weights = onp.concatenate([
                onp.full(front, onp.average(weights), "float32"), weights,
                onp.zeros(back, "float32")]).astype("float32")

    def _read_vocabulary_file(self, path):
        from minikeras.saving.serialization_lib import in_safe_mode
        if in_safe_mode():
            raise ValueError(
                "Requested the loading of a vocabulary file outside of the model archive. This "
                "carries a potential risk of loading arbitrary and sensitive files and thus it "
                "is disallowed by default. If you trust the source of the artifact, you can "
                "override this error by passing `safe_mode=False` to the loading function, or "
                "calling `keras.config.enable_unsafe_deserialization(). "
                f"Vocabulary file: '{path}'")
        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary "
                             "from file.")
        with open(path, encoding="utf-8") as f:
            return [line.rstrip("\n") for line in f]

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        new_size = self.vocabulary_size()
        # The width of a vector output is fixed once known (Keras checks this too).
        if (self.output_mode != "int" and not self.pad_to_max_tokens
                and self._frozen_vocab_size is not None and new_size != self._frozen_vocab_size):
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "the vocabulary size cannot be changed after the layer is called. Old vocab "
                f"size is {self._frozen_vocab_size}, new vocab size is {new_size}")
        self._frozen_vocab_size = new_size

    # --- adapt ----------------------------------------------------------------------------
    def reset_state(self):
        self._counts, self._doc_counts, self._num_documents = collections.Counter(), \
            collections.Counter(), 0

    def adapt(self, data, steps=None):
        """Learns the vocabulary from an array, a list, or an iterable of batches."""
        self.reset_state()
        if hasattr(data, "__iter__") and not isinstance(data, (list, tuple, onp.ndarray, str)) \
                and not hasattr(data, "shape"):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            data = onp.asarray(data)
            self.update_state(data.reshape(-1, 1) if data.ndim < 2 else data)
        self.finalize_state()

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` method.")
        data = self._to_keys(onp.asarray(data))
        if data.ndim < 2:
            data = data.reshape(1, -1)
        self._counts.update(data.ravel().tolist())
        if self.output_mode == "tf_idf":
            for row in data.reshape(len(data), -1):
                self._doc_counts.update(set(row.tolist()))
            self._num_documents += len(data)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            return
        counts = dict(self._counts)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        # By count, then by token, both decreasing (Python's str order is UTF-8 byte order).
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            docs = onp.array([self._doc_counts[t] for t in self._tokens], dtype="float64")
            idf = onp.log(1 + self._num_documents / (1 + docs)).astype("float32")
            pad_back = self.max_tokens - self._token_start_index() - len(idf) \
                if self.pad_to_max_tokens and self.max_tokens else 0
            self.idf_weights = onp.concatenate([
                onp.full(self._token_start_index(), onp.mean(idf), "float32"), idf,
                onp.zeros(pad_back, "float32")])
        self.reset_state()

    # --- lookup ---------------------------------------------------------------------------
    def _lookup(self, keys):
        """Indices (int64) of keys; OOV keys go to their OOV slot."""
        default = self._oov_start_index() if self.num_oov_indices == 1 else -1
        distinct, inverse = onp.unique(keys.ravel(), return_inverse=True)
        found = onp.array([self._index.get(k, default) for k in distinct.tolist()], "int64")
        indices = found[inverse].reshape(keys.shape)
        if self.mask_token is not None:
            indices = onp.where(keys == self.mask_token,
                                0 if self.output_mode == "int" else _INT64_MAX, indices)
        if self.num_oov_indices == 0 and (indices == -1).any():
            raise ValueError("When `num_oov_indices=0` all inputs should be in vocabulary, "
                             f"found OOV values {keys[indices == -1].tolist()}, consider "
                             "setting `num_oov_indices=1`.")
        if self.num_oov_indices > 1:
            if self.vocabulary_dtype != "string" and self.oov_method == "floormod":
                slots = onp.mod(keys, self.num_oov_indices)
            else:
                slots = fingerprint64_array(as_text(keys)) % onp.uint64(self.num_oov_indices)
            slots = slots.astype("int64") + self._oov_start_index()
            indices = onp.where(indices == -1, slots, indices)
        return indices

    def _invert_lookup(self, indices):
        tokens = {i: t for t, i in self._index.items()}
        out = onp.array([tokens.get(i, self.oov_token) for i in indices.ravel().tolist()],
                        dtype=object).reshape(indices.shape)
        if self.mask_token is not None:
            out = onp.where(indices == 0, self.mask_token, out)
        return out if self.vocabulary_dtype == "string" else out.astype("int64")

    def call(self, inputs):
        if self.output_mode != "int" and not self.pad_to_max_tokens \
                and self._frozen_vocab_size is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                "you must set the layer's vocabulary before calling it. Either pass a "
                "`vocabulary` argument to the layer, or call `adapt` with some sample data.")
        if self.invert:
            return self._invert_lookup(onp.asarray(inputs).astype("int64"))
        indices = self._lookup(self._to_keys(onp.asarray(inputs)))
        if self.output_mode == "int":
            return indices
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        # Keras's vector outputs are int64 (its symbolic spec says float32); tf_idf is float32.
        out = encode_categorical(indices, mode, self._depth(), dtype="int64")
        if self.output_mode == "tf_idf":
            return out.astype("float32") * self.idf_weights
        return out

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        if self.invert:
            dtype = self.vocabulary_dtype
        else:
            dtype = "int64" if self.output_mode == "int" else "float32"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    # --- config and saving ----------------------------------------------------------------
    def get_config(self):
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self.vocabulary_dtype,
                "idf_weights": _listify(self.input_idf_weights),
                "vocabulary": _listify(self.input_vocabulary),
                "vocabulary_size": self._frozen_vocab_size, "oov_method": self.oov_method,
                "salt": self.salt}

    def get_build_config(self):
        return {}

    def build_from_config(self, build_config):
        self.built = True

    def save_own_variables(self, store):
        if self.output_mode == "tf_idf":
            store["idf_weights"] = onp.asarray(self.idf_weights)

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf":
            self.idf_weights = onp.asarray(store["idf_weights"], dtype="float32")

    def save_assets(self, dir_path):
        """Writes the adapted vocabulary (special tokens included) to `vocabulary.txt`."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary()))

    def load_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if not lines:
            return
        values = lines if self.vocabulary_dtype == "string" else [int(v) for v in lines]
        weights = self.idf_weights if self.output_mode == "tf_idf" else None
        self.set_vocabulary(values, idf_weights=weights)
