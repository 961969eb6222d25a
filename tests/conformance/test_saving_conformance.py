"""Files cross between real Keras 3 and minikeras: `.keras` and `.weights.h5` written by one load
in the other with the same predictions, and a compiled model's optimizer state (Adam slots)
survives the trip and keeps training identically.

Every layer type in `minikeras.layers` appears in one of the models below
(`test_every_layer_is_covered` checks it).
"""
import inspect
import warnings

import numpy as np
import pytest

import minikeras

RNG = np.random.default_rng(0)


def _seq(shape, make, dtype="float32"):
    return lambda K: K.Sequential([K.Input(shape, dtype=dtype)] + make(K.layers))


def _dense_stack(L):
    return [L.Dense(8), L.Activation("tanh"), L.BatchNormalization(), L.Dropout(0.2),
            L.LeakyReLU(), L.ELU(), L.PReLU(), L.ReLU(), L.Identity(), L.LayerNormalization(),
            L.GroupNormalization(2), L.UnitNormalization(), L.GaussianNoise(0.1),
            L.GaussianDropout(0.1), L.AlphaDropout(0.1), L.ActivityRegularization(l1=0.01),
            L.Reshape((4, 2)), L.Permute((2, 1)), L.Flatten(), L.RepeatVector(2),
            L.Flatten(), L.Dense(3), L.Softmax()]


def _conv2d(L):
    return [L.Conv2D(4, 3, padding="same"), L.Conv2DTranspose(3, 3, strides=2),
            L.DepthwiseConv2D(3, depth_multiplier=2), L.SeparableConv2D(4, 3),
            L.ZeroPadding2D(1), L.Cropping2D(1), L.UpSampling2D(), L.MaxPooling2D(),
            L.AveragePooling2D(2), L.SpatialDropout2D(0.1), L.GlobalAveragePooling2D(),
            L.Dense(2)]


def _conv1d(L):
    return [L.Conv1D(4, 3, activation="relu"), L.Conv1DTranspose(3, 3),
            L.DepthwiseConv1D(3), L.SeparableConv1D(4, 3), L.ZeroPadding1D(1),
            L.Cropping1D(1), L.UpSampling1D(), L.MaxPooling1D(), L.AveragePooling1D(2),
            L.SpatialDropout1D(0.1), L.GlobalMaxPooling1D()]


def _conv3d(L):
    return [L.Conv3D(2, 3), L.Conv3DTranspose(2, 3), L.ZeroPadding3D(1), L.Cropping3D(1),
            L.UpSampling3D(), L.MaxPooling3D(), L.AveragePooling3D(2), L.SpatialDropout3D(0.1),
            L.GlobalMaxPooling3D()]


def _pools(K):
    L = K.layers
    x = K.Input((4, 4, 4, 2))
    a = L.GlobalAveragePooling3D()(x)
    b = L.GlobalMaxPooling2D()(L.Reshape((4, 16, 2))(x))
    c = L.GlobalAveragePooling1D()(L.Reshape((64, 2))(x))
    return K.Model(x, L.Concatenate()([a, b, c]))


def _sequences(L):
    return [L.Embedding(12, 4, mask_zero=True), L.LSTM(4, return_sequences=True),
            L.GRU(3, return_sequences=True), L.GRU(3, reset_after=False, return_sequences=True),
            L.Bidirectional(L.LSTM(2, return_sequences=True)),
            L.TimeDistributed(L.Dense(3)), L.SimpleRNN(3, return_sequences=True),
            L.RNN(L.StackedRNNCells([L.LSTMCell(2), L.GRUCell(3), L.SimpleRNNCell(2)]),
                  return_sequences=True),
            L.Masking(), L.GlobalAveragePooling1D()]


def _attention(K):
    L = K.layers
    q, v = K.Input((4, 6)), K.Input((5, 6))
    mha = L.MultiHeadAttention(2, 3)(q, v)
    dot = L.Attention(use_scale=True)([q, v])
    add = L.AdditiveAttention()([q, v])
    ein = L.EinsumDense("abc,cd->abd", output_shape=(None, 6), bias_axes="d")(q)
    merged = [L.Add()([mha, dot]), L.Subtract()([add, ein]), L.Multiply()([mha, add]),
              L.Average()([dot, ein]), L.Maximum()([mha, ein]), L.Minimum()([dot, add])]
    out = L.Concatenate()(merged)
    score = L.Dot(axes=(2, 2))([out, out])
    return K.Model([q, v], [out, score])


def _preprocessing(K):
    L = K.layers
    norm = L.Normalization()
    norm.adapt(RNG.normal(2.0, 3.0, size=(16, 8, 8, 3)).astype("float32"))
    return K.Sequential([K.Input((8, 8, 3)), norm, L.Rescaling(0.5, offset=0.1),
                         L.Resizing(6, 6), L.RandomCrop(6, 6), L.RandomFlip(), L.RandomRotation(0.1),
                         L.RandomTranslation(0.1, 0.1), L.RandomZoom(0.1),
                         L.Conv2D(2, 3), L.Flatten()])


MODELS = {
    "dense": (_seq((4,), _dense_stack), (4,)),
    "conv2d": (_seq((8, 8, 3), _conv2d), (8, 8, 3)),
    "conv1d": (_seq((9, 3), _conv1d), (9, 3)),
    "conv3d": (_seq((6, 6, 6, 2), _conv3d), (6, 6, 6, 2)),
    "pools": (_pools, (4, 4, 4, 2)),
    "sequences": (_seq((7,), _sequences, "int32"), (7,)),
    "attention": (_attention, [(4, 6), (5, 6)]),
    "preprocessing": (_preprocessing, (8, 8, 3)),
}
# Lambda and InputLayer are covered separately (a Lambda's code cannot cross libraries).
# Lambda: its own safe-mode tests. TextVectorization: real Keras needs TensorFlow for it, so its
# save/load (vocabulary as an asset) is tested minikeras-to-minikeras in tests/test_saving.py.
# The lookup and encoding layers take strings / integers: they are saved across libraries inside a
# FeatureSpace (test_feature_space_conformance.py).
EXTRA = {"Lambda", "InputLayer", "Input", "Layer", "Wrapper", "InputSpec", "TextVectorization",
         "StringLookup", "IntegerLookup", "Hashing", "HashedCrossing", "CategoryEncoding",
         "Discretization"}
# Layers Keras added late cross libraries in `.keras` files in test_keras3_extra_layers_conformance.py.
EXTRA |= {"RMSNormalization", "ReversibleEmbedding", "AdaptiveAveragePooling1D",
          "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
          "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "SpectralNormalization",
          "GroupQueryAttention", "GroupedQueryAttention", "ConvLSTM1D", "ConvLSTM2D",
          "ConvLSTM3D", "STFTSpectrogram", "MelSpectrogram"}
# The image augmentation layers cross libraries in `.keras` files in
# test_image_preprocessing_conformance.py (test_keras_file_crosses_libraries).
EXTRA |= {"AugMix", "AutoContrast", "CenterCrop", "ContrastLimitedAdaptiveHistogramEqualization",
          "CutMix", "Equalization", "MaxNumBoundingBoxes", "MixUp", "Pipeline", "RandAugment",
          "RandomBrightness", "RandomColorDegeneration", "RandomColorJitter", "RandomContrast",
          "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur", "RandomGrayscale",
          "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization",
          "RandomSaturation", "RandomSharpness", "RandomShear", "Solarization"}
# Refused (they wrap another framework's model; docs/differences.md): nothing to save.
EXTRA |= {"JaxLayer", "FlaxLayer", "TorchModuleWrapper", "TFSMLayer"}


def _data(spec, n=4):
    if spec == (7,):
        x = RNG.integers(1, 12, size=(n, 7)).astype("int32")
        x[:, -2:] = 0  # padding: exercises the Embedding mask
        return x
    if isinstance(spec, list):
        return [RNG.normal(size=(n,) + s).astype("float32") for s in spec]
    return RNG.normal(size=(n,) + spec).astype("float32")


def _perturb(model):
    """Moves every weight off its initial value (non-trainable ones stay positive: variances)."""
    rng = np.random.default_rng(1)
    trainable = {id(v) for v in model.trainable_weights}
    for v in model.weights:
        w = np.asarray(v.numpy())
        if id(v) in trainable:
            w = w + rng.normal(0.0, 0.2, size=w.shape)
        else:
            w = w * rng.uniform(0.5, 1.5, size=w.shape) + 0.1 * np.abs(rng.normal(size=w.shape))
        v.assign(w.astype(w.dtype if w.dtype.kind != "f" else "float32"))
    for layer in model._flatten_layers():
        if hasattr(layer, "finalize_state"):  # Keras's Normalization caches mean / variance
            layer.finalize_state()
    return model


def _predict(model, x):
    out = model(x, training=False)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out)


def _close(a, b):
    a, b = (a if isinstance(a, list) else [a]), (b if isinstance(b, list) else [b])
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=1e-5, atol=1e-5)


def test_every_layer_is_covered():
    source = inspect.getsource(inspect.getmodule(test_every_layer_is_covered))
    names = {n for n, obj in vars(minikeras.layers).items()
             if inspect.isclass(obj) and issubclass(obj, minikeras.layers.Layer)}
    aliases = {n for n in names if any(getattr(minikeras.layers, m) is getattr(minikeras.layers, n)
                                       and m != n and f"L.{m}(" in source for m in names)}
    missing = [n for n in sorted(names - EXTRA - aliases) if f"L.{n}(" not in source]
    assert not missing, missing


_SAVED = {}


def _saved_by(K, name, directory, kind):
    """(file, inputs, predictions) of model `name` built in library `K` with perturbed weights,
    saved as `kind` ("weights.h5" or "keras"); the model is built once per library."""
    key = (K.__name__, name)
    if key not in _SAVED:
        build, spec = MODELS[name]
        x = _data(spec)
        model = _perturb(build(K))
        _SAVED[key] = model, x, _predict(model, x)
    model, x, expected = _SAVED[key]
    path = directory / f"{K.__name__}_{name}.{kind}"
    if not path.exists():
        (model.save if kind == "keras" else model.save_weights)(path)
    return path, x, expected


@pytest.fixture(scope="module")
def saved_dir(tmp_path_factory):
    _SAVED.clear()
    yield tmp_path_factory.mktemp("saving_conformance")
    _SAVED.clear()


def _datasets(path):
    import h5py
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, obj: out.__setitem__(n, obj.shape)
                     if isinstance(obj, h5py.Dataset) else None)
    return out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_weights_files_have_the_same_tree(keras, saved_dir, name):
    """Same dataset paths and shapes, in the same numbering (Keras also writes empty groups
    for MultiHeadAttention's internal `_softmax` / `_dropout_layer`, which hold nothing)."""
    theirs = _datasets(_saved_by(keras, name, saved_dir, "weights.h5")[0])
    ours = _datasets(_saved_by(minikeras, name, saved_dir, "weights.h5")[0])
    assert ours == theirs


def _subclassed(K):
    L = K.layers

    class Blocks(K.Model):
        def __init__(self):
            super().__init__()
            self.d1 = L.Dense(3)
            self.blocks = [L.Dense(2), L.LayerNormalization()]
            self._hidden = L.Dense(2)  # private: reached through `layers`, as `layers/dense_2`
            self.inner = K.Sequential([L.Dense(2)])
            self.scale = self.add_weight(shape=(1,), name="scale", trainable=False)

        def call(self, x):
            x = self.blocks[1](self.blocks[0](self.d1(x)))
            return self.inner(self._hidden(x)) * self.scale
    model = Blocks()
    model(np.zeros((1, 4), "float32"))
    return _perturb(model)


def test_subclassed_weights_tree_matches_keras(keras, tmp_path):
    theirs, ours = _subclassed(keras), _subclassed(minikeras)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours.save_weights(tmp_path / "m.weights.h5")
    tree = _datasets(tmp_path / "k.weights.h5")
    assert _datasets(tmp_path / "m.weights.h5") == tree
    assert {"vars/0", "d1/vars/0", "blocks/dense/vars/1", "blocks/layer_normalization/vars/0",
            "layers/dense_2/vars/0", "inner/layers/dense/vars/0"} <= set(tree)
    ours.load_weights(tmp_path / "k.weights.h5")
    x = RNG.normal(size=(3, 4)).astype("float32")
    _close(_predict(ours, x), _predict(theirs, x))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_weights_file_loads_in_minikeras(keras, saved_dir, name):
    path, x, expected = _saved_by(keras, name, saved_dir, "weights.h5")
    ours = MODELS[name][0](minikeras)
    ours.load_weights(path)
    _close(_predict(ours, x), expected)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_minikeras_weights_file_loads_in_keras(keras, saved_dir, name):
    path, x, expected = _saved_by(minikeras, name, saved_dir, "weights.h5")
    theirs = MODELS[name][0](keras)
    theirs.load_weights(path)
    _close(_predict(theirs, x), expected)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_keras_file_loads_in_minikeras(keras, saved_dir, name):
    path, x, expected = _saved_by(keras, name, saved_dir, "keras")
    ours = minikeras.models.load_model(path)
    _close(_predict(ours, x), expected)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_minikeras_file_loads_in_keras(keras, saved_dir, name):
    path, x, expected = _saved_by(minikeras, name, saved_dir, "keras")
    theirs = keras.models.load_model(path)
    _close(_predict(theirs, x), expected)


def _compiled(K):
    L = K.layers
    model = K.Sequential([K.Input((5,)), L.Dense(6, activation="relu"),
                          L.BatchNormalization(), L.Dense(2)])
    model.compile(K.optimizers.Adam(0.02), "mse")
    return model


def _assert_same_state(a, b):
    _close(a.get_weights(), b.get_weights())
    assert len(a.optimizer.variables) == len(b.optimizer.variables) == 2 + 2 * 6
    _close([v.numpy() for v in a.optimizer.variables], [v.numpy() for v in b.optimizer.variables])


@pytest.mark.parametrize("direction", ["keras_to_minikeras", "minikeras_to_keras"])
def test_optimizer_state_survives_and_training_continues(keras, tmp_path, direction):
    x = RNG.normal(size=(16, 5)).astype("float32")
    y = RNG.normal(size=(16, 2)).astype("float32")
    first, second = (keras, minikeras) if direction == "keras_to_minikeras" else (minikeras, keras)
    source = _compiled(first)
    source.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    source.save(tmp_path / "m.keras")
    loaded = second.models.load_model(tmp_path / "m.keras")
    assert int(np.asarray(loaded.optimizer.iterations)) == 8
    _assert_same_state(source, loaded)
    for model in (source, loaded):
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    _assert_same_state(source, loaded)


def test_lambda_model_weights_cross(keras, tmp_path):
    """A model with a Lambda: weights files cross (the layer itself is rebuilt in code)."""
    def build(K):
        L = K.layers
        return K.Sequential([K.Input((3,)), L.Dense(4), L.Lambda(lambda t: t * 2.0), L.Dense(1)])
    x = RNG.normal(size=(4, 3)).astype("float32")
    theirs = build(keras)
    theirs.save_weights(tmp_path / "k.weights.h5")
    ours = build(minikeras)
    ours.load_weights(tmp_path / "k.weights.h5")
    _close(ours.predict(x, verbose=0), theirs.predict(x, verbose=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="lambda"):
        minikeras.models.load_model(tmp_path / "m.keras")
    reloaded = minikeras.models.load_model(tmp_path / "m.keras", safe_mode=False)
    _close(reloaded.predict(x, verbose=0), theirs.predict(x, verbose=0))
