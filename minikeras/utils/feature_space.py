"""`keras.utils.FeatureSpace`: one object that indexes, normalizes, hashes, crosses and encodes
the columns of a table, for the structured-data tutorials.

Each feature has a preprocessing layer (Normalization, StringLookup, Discretization, ...), and
its output is one-hot encoded when its `output_mode` asks for it. The encoded features, then
the crosses, each in sorted name order, are concatenated ("concat") or returned by name
("dict"). Keras runs this on tf.data; here every layer works on numpy arrays, and the same
layers called on `get_inputs()` give the symbolic `get_encoded_features()` that a functional
model is built on.

Differences from Keras: `adapt` takes any iterable of dict batches (a tf.data or minikeras
dataset, a list of dicts) besides a dict of arrays, and reads it once; eager outputs are numpy
(int64 stays int64, where JAX would give int32).
"""
import numpy as onp

from minikeras.engine.keras_tensor import KerasTensor
from minikeras.engine.tensor import as_tensor
from minikeras.layers.core import Input
from minikeras.layers.layer import Layer
from minikeras.layers.preprocessing.category_encoding import CategoryEncoding
from minikeras.layers.preprocessing.discretization import Discretization
from minikeras.layers.preprocessing.hashed_crossing import HashedCrossing
from minikeras.layers.preprocessing.hashing import Hashing
from minikeras.layers.preprocessing.integer_lookup import IntegerLookup
from minikeras.layers.preprocessing.normalization import Normalization
from minikeras.layers.preprocessing.rescaling import Rescaling
from minikeras.layers.preprocessing.string_lookup import StringLookup
from minikeras.layers.preprocessing.text_vectorization import TextVectorization
from minikeras.saving import serialization_lib
from minikeras.utils.naming import to_snake_case, uniquify

_MODULE = "keras.src.layers.preprocessing.feature_space"  # where Keras's helper classes live
_ADAPT_BATCH_SIZE = 32  # Keras batches unbatched samples by 32 before adapting a layer


def _auto_name(prefix):
    return uniquify(to_snake_case(prefix))


def _deserialize(config):
    """A serialized Feature, Cross or preprocessing layer, resolving the classes of this module
    and the lookup / hashing layers by their Keras names as well."""
    objects = {cls.__name__: cls for cls in (
        Feature, Cross, FeatureSpace, TFDIdentity, TFDConcat, StringLookup, IntegerLookup,
        Discretization, Hashing, HashedCrossing, CategoryEncoding)}
    return serialization_lib.deserialize_keras_object(config, custom_objects=objects)


class Cross:
    """A feature cross: `feature_names` hashed together into `crossing_dim` bins."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot'}}. Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _serialization_path(self):
        return _MODULE, "Cross", "Cross"


class Feature:
    """A feature: its input dtype, its preprocessing layer, and how its output is encoded
    ("int": as the layer returns it, "one_hot": one-hot of the layer's indices, "float")."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        self.preprocessor = _deserialize(preprocessor) if isinstance(preprocessor, dict) \
            else preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype,
                "preprocessor": serialization_lib.serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _serialization_path(self):
        return _MODULE, "Feature", "Feature"


class TFDIdentity(Layer):
    """The preprocessor of a plain "float" feature: the values, as float32."""

    def call(self, x):
        return onp.asarray(x, dtype=self.compute_dtype)

    def compute_output_spec(self, x):
        return KerasTensor(x.shape, dtype=self.compute_dtype)

    def _serialization_path(self):
        return _MODULE, "TFDIdentity", "TFDIdentity"


class TFDConcat(Layer):
    """Concatenates the encoded features along `axis`."""

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, xs):
        return onp.concatenate([onp.asarray(x) for x in xs], axis=self.axis)

    def compute_output_spec(self, xs):
        axis = self.axis % len(xs[0].shape)
        sizes = [x.shape[axis] for x in xs]
        shape = list(xs[0].shape)
        shape[axis] = None if None in sizes else sum(sizes)
        return KerasTensor(tuple(shape), dtype=xs[0].dtype)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}

    def _serialization_path(self):
        return _MODULE, "TFDConcat", "TFDConcat"


def _to_numpy(x):
    """A numpy array from an array, list, scalar, tf / JAX tensor or minikeras Tensor."""
    if hasattr(x, "numpy"):
        x = x.numpy()
    x = onp.asarray(x)
    return x.astype(object) if x.dtype.kind in "SU" else x


def _samples_to_batches(values):
    """Keras's rule for the batches a preprocessor adapts on: scalar samples are batched by
    32, and a batch of rank 1 gets a trailing axis so that it is (batch, 1)."""
    if values[0].ndim == 0:
        values = [onp.stack(values[i:i + _ADAPT_BATCH_SIZE])
                  for i in range(0, len(values), _ADAPT_BATCH_SIZE)]
        return [v[:, None] for v in values]
    return [v[..., None] if v.ndim == 1 else v for v in values]


def _feature_batches(dataset, names):
    """{name: [batch, ...]} for each name, read in one pass over `dataset`: a dict of arrays
    (one sample per row, as `tf.data.Dataset.from_tensor_slices`) or an iterable of dicts."""
    if isinstance(dataset, dict):
        out = {}
        for name in names:
            column = _to_numpy(dataset[name])
            if column.ndim == 1:  # scalar samples: batches of 32, as (batch, 1)
                out[name] = [column[i:i + _ADAPT_BATCH_SIZE, None]
                             for i in range(0, len(column), _ADAPT_BATCH_SIZE)]
            else:
                out[name] = _samples_to_batches([row for row in column])
        return out
    if not hasattr(dataset, "__iter__") or isinstance(dataset, (str, bytes)):
        raise ValueError("`adapt()` can only be called on a tf.data.Dataset or a dict of "
                         f"arrays/lists. Received instead: {dataset} (of type {type(dataset)})")
    if not names:
        return {}
    batches = {name: [] for name in names}
    for element in dataset:
        if not isinstance(element, dict):
            raise ValueError("`adapt()` expects a dataset of dicts of features (no labels: "
                             "map `lambda x, y: x` first). Received an element of type "
                             f"{type(element).__name__}")
        for name in names:
            batches[name].append(_to_numpy(element[name]))
    if not batches[names[0]]:
        raise ValueError("`adapt()` received an empty dataset.")
    return {name: _samples_to_batches(values) for name, values in batches.items()}


class FeatureSpace(Layer):
    """One-stop utility for preprocessing and encoding structured data.

    Args:
        features: dict of feature name -> a type name ("float", "float_rescaled",
            "float_normalized", "float_discretized", "integer_categorical",
            "string_categorical", "integer_hashed", "string_hashed") or a feature made by
            `FeatureSpace.float_normalized()`, `FeatureSpace.string_categorical(...)`, etc.
        output_mode: "concat" (one float32 vector per sample) or "dict" (each encoded
            feature and cross by name).
        crosses: list of feature-name tuples, or of `FeatureSpace.cross(...)`.
        crossing_dim: the number of hashing bins of a cross given as a tuple (32).
        hashing_dim: the number of bins of "integer_hashed" / "string_hashed" (32).
        num_discretization_bins: the number of bins of "float_discretized" (32).
    Use: `adapt(data)` on the training features, then call it on a dict of arrays (batched,
    or one unbatched sample), or build a model on `get_inputs()` / `get_encoded_features()`.
    """

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or _auto_name("float")
        return Feature("float32", TFDIdentity(dtype="float32", name=f"{name}_preprocessor"),
                       "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or _auto_name("float_rescaled")
        layer = Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return Feature("float32", layer, "float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or _auto_name("float_normalized")
        return Feature("float32", Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        name = name or _auto_name("float_discretized")
        layer = Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                               name=f"{name}_preprocessor")
        return Feature("float32", layer, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        name = name or _auto_name("integer_categorical")
        layer = IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                              num_oov_indices=num_oov_indices)
        return Feature("int32", layer, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        name = name or _auto_name("string_categorical")
        layer = StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                             num_oov_indices=num_oov_indices)
        return Feature("string", layer, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("string_hashed")
        return Feature("string", Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("integer_hashed")
        return Feature("int32", Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode)

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value)
                         for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross, features) for cross in crosses or []]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'dict', 'concat'}}. Received: output_mode={output_mode}")
        self.output_mode = output_mode
        self.inputs = {name: Input(shape=(1,), dtype=feature.dtype, name=name)
                       for name, feature in self.features.items()}
        self.preprocessors = {name: f.preprocessor for name, f in self.features.items()}
        self.encoded_features = None
        self.crossers = {cross.name: HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self.one_hot_encoders = {}
        self._is_adapted = False
        self.concat = None
        self._encoders_made = False
        self._sublayers_built = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _deserialize(feature)
        makers = {
            "float": lambda: self.float(name=name),
            "float_normalized": lambda: self.float_normalized(name=name),
            "float_rescaled": lambda: self.float_rescaled(name=name),
            "float_discretized": lambda: self.float_discretized(
                name=name, num_bins=self.num_discretization_bins),
            "integer_categorical": lambda: self.integer_categorical(name=name),
            "string_categorical": lambda: self.string_categorical(name=name),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name),
        }
        if not isinstance(feature, str) or feature not in makers:
            raise ValueError(f"Invalid feature type: {feature}")
        return makers[feature]()

    def _standardize_cross(self, cross, features):
        if isinstance(cross, dict):
            cross = _deserialize(cross)
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise ValueError("When specifying `crosses`, the argument `crossing_dim` "
                             "(dimensionality of the crossing space) should be specified as well.")
        for key in cross:
            if key not in features:
                raise ValueError("All features referenced in the `crosses` argument should be "
                                 f"present in the `features` dict. Received unknown features: "
                                 f"{cross}")
        return Cross(cross, crossing_dim=self.crossing_dim)

    # --- adapt ----------------------------------------------------------------------------
    def _list_adaptable_preprocessors(self):
        """Names of the features whose layer learns from data (not given statistics)."""
        names = []
        for name in self.features:
            layer = self.preprocessors[name]
            if isinstance(layer, Normalization) and layer.input_mean is not None:
                continue
            if isinstance(layer, TextVectorization) and layer._has_input_vocabulary:
                continue
            if hasattr(layer, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Learns each feature's statistics (vocabularies, mean and variance, bin boundaries).

        `dataset`: a dict of arrays (one sample per row), or an iterable of dicts of
        batches or of single samples (`train_ds.map(lambda x, y: x)`), read once.
        """
        names = self._list_adaptable_preprocessors()
        for name, batches in _feature_batches(dataset, names).items():
            layer = self.preprocessors[name]
            if isinstance(layer, Normalization) and not layer.built:
                # Keras builds it from the dataset's element spec: batch size unknown.
                layer.build((None,) + tuple(batches[0].shape[1:]))
            layer.adapt(iter(batches))
        self._is_adapted = True
        self.get_encoded_features()  # builds the one-hot encoders and the concatenation
        self.built = True
        self._sublayers_built = True

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace before "
                                 "you can start using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # --- the encoding, symbolic or eager --------------------------------------------------
    def get_inputs(self):
        """The dict of `keras.Input`s (shape (None, 1)) a model on this FeatureSpace takes."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The encoded features of `get_inputs()`: one KerasTensor, or a dict of them."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features):
        return {cross.name: self.crossers[cross.name]([features[n] for n in cross.feature_names])
                for cross in self.crosses}

    def _merge_features(self, preprocessed, crossed):
        names = sorted(preprocessed) + sorted(crossed)
        values = {**preprocessed, **crossed}
        if not self._encoders_made:
            self._make_encoders(names, values)
            self._encoders_made = True
        encoded = {}
        for name in names:
            encoder = self.one_hot_encoders.get(name)
            encoded[name] = encoder(values[name]) if encoder else values[name]
        if self.output_mode == "dict":
            return encoded
        return self.concat([encoded[name] for name in names])

    def _make_encoders(self, names, values):
        """The first merge (on the symbolic inputs) creates a multi-hot CategoryEncoding for
        each one-hot feature, sized by its layer's vocabulary or bins, and checks dtypes."""
        for name in names:
            spec = self.features.get(name) or self.crosses_by_name[name]
            dtype = values[name].dtype
            if spec.output_mode == "one_hot":
                if not str(dtype).startswith("int"):
                    raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its "
                                     "preprocessor should return an integer dtype. Instead it "
                                     f"returns a {dtype} dtype.")
                cardinality = self._cardinality(name)
                if cardinality is not None:
                    self.one_hot_encoders[name] = CategoryEncoding(
                        num_tokens=cardinality, output_mode="multi_hot")
                    dtype = "float32"
            if self.output_mode == "concat" and (str(dtype).startswith("int")
                                                 or dtype == "string"):
                raise ValueError(f"Cannot concatenate features because feature '{name}' has "
                                 f"not been encoded (it has dtype {dtype}). Consider using "
                                 "`output_mode='dict'`.")
        if self.output_mode == "concat":
            self.concat = TFDConcat(axis=-1)

    def _cardinality(self, name):
        layer = self.preprocessors.get(name) or self.crossers.get(name)
        if isinstance(layer, (IntegerLookup, StringLookup)):
            return layer.vocabulary_size()
        if isinstance(layer, CategoryEncoding):
            return layer.num_tokens
        if isinstance(layer, (Discretization, HashedCrossing, Hashing)):
            return layer.num_bins
        raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a "
                         "standard feature and the dimensionality of its output space is not "
                         "known, thus it cannot be one-hot encoded. Try using `output_mode='int'`.")

    def __call__(self, data):
        """Encodes a dict of feature arrays (batched, or one sample of scalars)."""
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError("A FeatureSpace can only be called with a dict. "
                             f"Received: data={data} (of type {type(data)}")
        data = {key: _to_numpy(value) for key, value in data.items()}
        rebatched = any(x.ndim == 0 for x in data.values())
        data = {key: x.reshape(1, 1) if x.ndim == 0 else x[:, None] if x.ndim == 1 else x
                for key, x in data.items()}
        preprocessed = {k: _to_numpy(v) for k, v in self._preprocess_features(data).items()}
        crossed = {k: _to_numpy(v) for k, v in self._cross_features(preprocessed).items()}
        merged = self._merge_features(preprocessed, crossed)
        if rebatched:  # one unbatched sample in, one unbatched encoding out
            if self.output_mode == "concat":
                merged = merged[0]
            else:
                merged = {k: x[0] if x.ndim == 2 and x.shape[0] == 1 else x
                          for k, x in merged.items()}
        if isinstance(merged, dict):
            return {k: as_tensor(v) for k, v in merged.items()}
        return as_tensor(merged)

    # --- config and saving ----------------------------------------------------------------
    def get_config(self):
        return {"features": serialization_lib.serialize_keras_object(dict(self.features)),
                "output_mode": self.output_mode,
                "crosses": serialization_lib.serialize_keras_object(list(self.crosses)),
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {name: f.preprocessor.get_build_config() for name, f in self.features.items()}

    def build_from_config(self, config):
        for name, build_config in config.items():
            layer = self.features[name].preprocessor
            if not layer.built and build_config:
                layer.build_from_config(build_config)
        self._is_adapted = True

    def save(self, filepath):
        """Saves this FeatureSpace (config, statistics, vocabularies) to a `.keras` file."""
        from minikeras.saving import saving_lib
        saving_lib.save_model(self, filepath)

    def save_own_variables(self, store):
        return

    def load_own_variables(self, store):
        return

    def _serialization_path(self):
        return "keras.utils", "FeatureSpace", None
