"""The four workloads of issue 7: data, Keras-API model, FLOP count, timing (PyTorch twins:
workloads_torch.py).

All float32, batch 128, random data from a fixed seed, so every library sees the same arrays:
- mlp: 12,800 x 784 -> Dense(128, relu) -> Dropout(0.2) -> Dense(64, relu) -> Dense(10, softmax);
  Adam; sparse categorical cross-entropy.
- cnn: the seed model, Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu) ->
  MaxPooling2D(2) -> Flatten -> Dense(64, relu) -> Dropout(0.5) -> Dense(10, softmax) on
  4,096 x 28 x 28 x 1; Adam; sparse categorical cross-entropy.
- lstm: 4,096 sequences of 80 tokens in [1, 5000) -> Embedding(5000, 64) -> LSTM(64) ->
  Dense(1, sigmoid); RMSprop; binary cross-entropy.
- transformer: keras.io's "Text classification with Transformer": token + position Embedding (64)
  -> MultiHeadAttention(4 heads, key_dim 16), LayerNormalization x2, Dropout(0.1) x2, feed-forward
  Dense(128, relu) -> Dense(64) -> GlobalAveragePooling1D -> Dense(2, softmax) on 2,048 sequences
  of 64 tokens; Adam; sparse categorical cross-entropy.

The Keras-API builders take the library module (`minikeras` or `keras`), so the same code builds
both. Import `threads` and cap threads before importing this module (it imports numpy).
"""
import os
import statistics
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402  (after the environment)

BATCH = 128
VOCAB = 5000
LSTM_STEPS, LSTM_EMBED, LSTM_UNITS = 80, 64, 64
TF_STEPS, TF_EMBED, TF_HEADS, TF_FF = 64, 64, 4, 128
TF_KEY_DIM = TF_EMBED // TF_HEADS
NAMES = ("mlp", "cnn", "lstm", "transformer")
FULL_N = {"mlp": 12800, "cnn": 4096, "lstm": 4096, "transformer": 2048}
QUICK_N = {"mlp": 1024, "cnn": 256, "lstm": 256, "transformer": 256}


# ---- data (same seed, same arrays in every library) ----

def mlp_data(n=12800, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, size=n)


def cnn_data(n=4096, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, size=n)


def lstm_data(n=4096, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(n, LSTM_STEPS)).astype("int32")
    return x, rng.integers(0, 2, size=(n, 1)).astype("float32")


def transformer_data(n=2048, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(n, TF_STEPS)).astype("int32")
    return x, rng.integers(0, 2, size=n).astype("int32")


# ---- Keras-API models (lib is minikeras or keras) ----

def mlp_model(lib):
    L = lib.layers
    model = lib.Sequential([lib.Input((784,)), L.Dense(128, activation="relu"), L.Dropout(0.2),
                            L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")])
    model.compile(optimizer=lib.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    return model


def cnn_model(lib, variant="seed"):
    """The seed CNN; variant "conv-only" replaces each MaxPooling2D(2) by Conv2D(c, 2, strides=2)."""
    L = lib.layers

    def pool(channels):
        if variant == "seed":
            return L.MaxPooling2D((2, 2))
        return L.Conv2D(channels, (2, 2), strides=2)
    net = lib.Sequential([
        lib.Input((28, 28, 1)),
        L.Conv2D(32, (3, 3), activation="relu"), pool(32),
        L.Conv2D(64, (3, 3), activation="relu"), pool(64),
        L.Flatten(), L.Dense(64, activation="relu"), L.Dropout(0.5),
        L.Dense(10, activation="softmax")])
    net.compile(optimizer=lib.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    return net


def lstm_model(lib):
    L = lib.layers
    net = lib.Sequential([lib.Input((LSTM_STEPS,), dtype="int32"), L.Embedding(VOCAB, LSTM_EMBED),
                          L.LSTM(LSTM_UNITS), L.Dense(1, activation="sigmoid")])
    net.compile(optimizer=lib.optimizers.RMSprop(), loss="binary_crossentropy")
    return net


def transformer_layers(lib):
    """The tutorial's two Layer subclasses, built on `lib` (minikeras or keras)."""
    L, ops = lib.layers, lib.ops

    class TransformerBlock(L.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
            super().__init__(**kwargs)
            self.att = L.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim // num_heads)
            self.ffn = lib.Sequential([L.Dense(ff_dim, activation="relu"), L.Dense(embed_dim)])
            self.layernorm1 = L.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = L.LayerNormalization(epsilon=1e-6)
            self.dropout1 = L.Dropout(rate)
            self.dropout2 = L.Dropout(rate)

        def call(self, inputs, training=None):
            attn_output = self.dropout1(self.att(inputs, inputs), training=training)
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.dropout2(self.ffn(out1), training=training)
            return self.layernorm2(out1 + ffn_output)

    class TokenAndPositionEmbedding(L.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_emb = L.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = L.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            positions = ops.arange(start=0, stop=ops.shape(x)[-1], step=1)
            return self.token_emb(x) + self.pos_emb(positions)

    return TransformerBlock, TokenAndPositionEmbedding


def transformer_model(lib):
    TransformerBlock, TokenAndPositionEmbedding = transformer_layers(lib)
    inputs = lib.Input(shape=(TF_STEPS,), dtype="int32")
    h = TokenAndPositionEmbedding(TF_STEPS, VOCAB, TF_EMBED)(inputs)
    h = TransformerBlock(TF_EMBED, TF_HEADS, TF_FF)(h)
    h = lib.layers.GlobalAveragePooling1D()(h)
    net = lib.Model(inputs, lib.layers.Dense(2, activation="softmax")(h))
    net.compile(optimizer=lib.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    return net


DATA = {"mlp": mlp_data, "cnn": cnn_data, "lstm": lstm_data, "transformer": transformer_data}
MODELS = {"mlp": mlp_model, "cnn": cnn_model, "lstm": lstm_model, "transformer": transformer_model}


# ---- analytic FLOPs: matmuls and convolutions only (elementwise work is not counted) ----

def dense_flops(rows, fan_in, units):
    """(rows, fan_in) @ (fan_in, units): 2 * M * K * N."""
    return 2 * rows * fan_in * units


def conv2d_flops(n, out_h, out_w, kh, kw, cin, cout):
    """A conv is a matmul of (n*out_h*out_w, kh*kw*cin) @ (kh*kw*cin, cout)."""
    return dense_flops(n * out_h * out_w, kh * kw * cin, cout)


def layer_flops(name, n):
    """[(layer, forward FLOPs)] of workload `name` on `n` samples."""
    if name == "mlp":
        return [("dense_128", dense_flops(n, 784, 128)), ("dense_64", dense_flops(n, 128, 64)),
                ("dense_10", dense_flops(n, 64, 10))]
    if name == "cnn":  # valid 3x3 convs, 2x2 pools: 28 -> 26 -> 13 -> 11 -> 5
        return [("conv2d_32", conv2d_flops(n, 26, 26, 3, 3, 1, 32)),
                ("conv2d_64", conv2d_flops(n, 11, 11, 3, 3, 32, 64)),
                ("dense_64", dense_flops(n, 5 * 5 * 64, 64)), ("dense_10", dense_flops(n, 64, 10))]
    if name == "lstm":  # per step: x @ W (in, 4u) and h @ U (u, 4u); the embedding is a gather
        steps = n * LSTM_STEPS
        return [("lstm_input", dense_flops(steps, LSTM_EMBED, 4 * LSTM_UNITS)),
                ("lstm_recurrent", dense_flops(steps, LSTM_UNITS, 4 * LSTM_UNITS)),
                ("dense_1", dense_flops(n, LSTM_UNITS, 1))]
    if name == "transformer":
        tokens, width = n * TF_STEPS, TF_HEADS * TF_KEY_DIM
        per_head = dense_flops(n * TF_HEADS * TF_STEPS, TF_KEY_DIM, TF_STEPS)
        return [("mha_qkv", 3 * dense_flops(tokens, TF_EMBED, width)),
                ("mha_scores", per_head), ("mha_weighted_values", per_head),
                ("mha_output", dense_flops(tokens, width, TF_EMBED)),
                ("ffn_128", dense_flops(tokens, TF_EMBED, TF_FF)),
                ("ffn_64", dense_flops(tokens, TF_FF, TF_EMBED)),
                ("dense_2", dense_flops(n, TF_EMBED, 2))]
    raise ValueError(f"Unknown workload: {name!r}. Expected one of {NAMES}")


def flops(name, n):
    """Forward FLOPs (predict) and training FLOPs (~3x forward: the forward matmul plus the
    gradients with respect to its inputs and to its weights, each as large)."""
    layers = layer_flops(name, n)
    forward = sum(f for _, f in layers)
    return {"forward": forward, "train": 3 * forward, "layers": layers}


# ---- timing of a Keras-API model (minikeras or keras, in this process) ----

def time_fit_predict(net, x, y, repeats, profile=None, callbacks=None):
    """One warm-up fit epoch and predict (JAX compiles there), then `repeats` timed fit epochs and
    `repeats` timed predicts. Returns {"fit": [seconds...], "predict": [seconds...]}.
    `profile`: a path to write a cProfile of one extra fit epoch (not timed); `callbacks`: passed
    to the timed fits and predicts only."""
    net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    net.predict(x, batch_size=BATCH, verbose=0)
    if profile:
        import cProfile
        cProfile.runctx("net.fit(x, y, batch_size=b, epochs=1, verbose=0)", globals(),
                        {"net": net, "x": x, "y": y, "b": BATCH}, profile)
    fit, predict = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=callbacks)
        fit.append(time.perf_counter() - start)
    for _ in range(repeats):
        start = time.perf_counter()
        net.predict(x, batch_size=BATCH, verbose=0, callbacks=callbacks)
        predict.append(time.perf_counter() - start)
    return {"fit": fit, "predict": predict}


# ---- the old per-workload scripts (bench/cnn.py, lstm.py, transformer.py) share this main ----

def script_main(name, description, quick_n, default_repeats=3, variants=False):
    """minikeras and real Keras (JAX) in this one process: median epoch and predict seconds."""
    import argparse
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeats", type=int, default=default_repeats)
    parser.add_argument("--quick", action="store_true", help=f"{quick_n} samples, one timed epoch")
    parser.add_argument("--profile", default=None, help="write a cProfile of one minikeras epoch")
    parser.add_argument("--minikeras-only", action="store_true")
    parser.add_argument("--threads", default=None, help="cap math threads (set before imports)")
    if variants:
        parser.add_argument("--variant", default="auto", choices=["auto", "seed", "conv-only"])
    args = parser.parse_args()
    n, repeats = (quick_n, 1) if args.quick else (FULL_N[name], args.repeats)
    import minikeras
    libs = {"minikeras": minikeras}
    if not args.minikeras_only:
        try:
            import keras
            libs["keras-jax"] = keras
        except ImportError:
            print("(real keras not installed: timing minikeras only)")
    build = MODELS[name]
    if variants:
        variant = args.variant
        if variant == "auto":
            variant = "seed" if hasattr(minikeras.layers, "MaxPooling2D") else "conv-only"
        build = lambda lib: cnn_model(lib, variant)  # noqa: E731
    print(f"{name}: {n} samples, batch {BATCH}, threads: {args.threads or 'default'}, "
          f"load average: {os.getloadavg()[0]:.1f}")
    x, y = DATA[name](n)
    results = {}
    for label, lib in libs.items():
        profile = args.profile if label == "minikeras" else None
        times = time_fit_predict(build(lib), x, y, repeats, profile)
        results[label] = fit_s, predict_s = (statistics.median(times["fit"]),
                                             statistics.median(times["predict"]))
        print(f"{label:10s} fit epoch {fit_s:.2f} s   predict {predict_s:.2f} s")
    if len(results) == 2:
        fit_ratio = results["minikeras"][0] / results["keras-jax"][0]
        predict_ratio = results["minikeras"][1] / results["keras-jax"][1]
        print(f"ratio minikeras / keras-jax: fit {fit_ratio:.2f}   predict {predict_ratio:.2f}")
    return results
