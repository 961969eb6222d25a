"""The Keras tutorial's Transformer classifier in minikeras and in real Keras (JAX) in one run.

    python bench/transformer.py [--repeats 3] [--quick] [--threads N] [--profile out.prof]
                                [--minikeras-only]

Model (as keras.io's "Text classification with Transformer" writes it): TokenAndPositionEmbedding
(two Embedding layers, embedding 64) -> TransformerBlock (MultiHeadAttention(4 heads, key_dim 16),
LayerNormalization x2, Dropout(0.1) x2, feed-forward Dense(128, relu) -> Dense(64)) ->
GlobalAveragePooling1D -> Dense(2, softmax), on 2,048 random sequences of 64 tokens in [1, 5000),
batch 128, Adam, sparse categorical crossentropy. One warm-up epoch, then the median of `--repeats`
timed epochs and of `--repeats` predicts. `--quick` uses 256 sequences and one timed epoch.
"""
import argparse
import os
import statistics
import sys
import time


def _cap_threads(argv):
    """Must run before numpy / jax are imported."""
    if "--threads" in argv:
        n = argv[argv.index("--threads") + 1]
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = n
        eigen = "false" if n == "1" else "true"
        flags = f"--xla_cpu_multi_thread_eigen={eigen} intra_op_parallelism_threads={n}"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip()


if __name__ == "__main__":
    _cap_threads(sys.argv)
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402  (after the thread caps)

VOCAB, STEPS, EMBED, HEADS, FF, BATCH = 5000, 64, 64, 4, 128, 128


def data(n=2048, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(n, STEPS)).astype("int32")
    return x, rng.integers(0, 2, size=n).astype("int32")


def tutorial_layers(lib):
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


def model(lib):
    TransformerBlock, TokenAndPositionEmbedding = tutorial_layers(lib)
    inputs = lib.Input(shape=(STEPS,), dtype="int32")
    h = TokenAndPositionEmbedding(STEPS, VOCAB, EMBED)(inputs)
    h = TransformerBlock(EMBED, HEADS, FF)(h)
    h = lib.layers.GlobalAveragePooling1D()(h)
    net = lib.Model(inputs, lib.layers.Dense(2, activation="softmax")(h))
    net.compile(optimizer=lib.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    return net


def time_epochs(lib, n, repeats, profile=None):
    """(median fit-epoch seconds, median predict seconds) after one warm-up epoch."""
    x, y = data(n)
    net = model(lib)
    net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # warm-up (JAX compiles here)
    net.predict(x, batch_size=BATCH, verbose=0)
    if profile:
        import cProfile
        cProfile.runctx("net.fit(x, y, batch_size=b, epochs=1, verbose=0)", globals(),
                        {"net": net, "x": x, "y": y, "b": BATCH}, profile)
    fit, predict = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        net.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        fit.append(time.perf_counter() - start)
    for _ in range(repeats):
        start = time.perf_counter()
        net.predict(x, batch_size=BATCH, verbose=0)
        predict.append(time.perf_counter() - start)
    return statistics.median(fit), statistics.median(predict)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="256 sequences, one timed epoch")
    parser.add_argument("--profile", default=None, help="write a cProfile of one minikeras epoch")
    parser.add_argument("--minikeras-only", action="store_true")
    parser.add_argument("--threads", default=None, help="cap math threads (set before imports)")
    args = parser.parse_args()
    n, repeats = (256, 1) if args.quick else (2048, args.repeats)
    import minikeras
    libs = {"minikeras": minikeras}
    if not args.minikeras_only:
        try:
            import keras
            libs["keras-jax"] = keras
        except ImportError:
            print("(real keras not installed: timing minikeras only)")
    print(f"transformer: {n} x {STEPS} tokens, batch {BATCH}, "
          f"threads: {args.threads or 'default'}, load average: {os.getloadavg()[0]:.1f}")
    results = {}
    for label, lib in libs.items():
        profile = args.profile if label == "minikeras" else None
        results[label] = fit_s, predict_s = time_epochs(lib, n, repeats, profile)
        print(f"{label:10s} fit epoch {fit_s:.2f} s   predict {predict_s:.2f} s")
    if len(results) == 2:
        fit_ratio = results["minikeras"][0] / results["keras-jax"][0]
        predict_ratio = results["minikeras"][1] / results["keras-jax"][1]
        print(f"ratio minikeras / keras-jax: fit {fit_ratio:.2f}   predict {predict_ratio:.2f}")


if __name__ == "__main__":
    main()
