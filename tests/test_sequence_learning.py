"""End-to-end sequence learning: models written as Keras tutorials write them learn generated tasks.

Each task is generated from a fixed numpy seed and has a known chance level (or naive baseline);
the thresholds sit far above it, so a broken recurrence, mask, attention or gradient fails them.
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops


# --- a. Embedding(mask_zero) -> Bidirectional(LSTM) on padded variable-length sequences ---------

def order_task(n, rng, max_len=16, vocab=12):
    """Sequences of 4..max_len tokens in [1, vocab) holding one 7 and one 9, padded with 0 after
    the end; label 1 when the 7 comes before the 9 (chance 0.5)."""
    filler = np.array([t for t in range(1, vocab) if t not in (7, 9)])
    x = np.zeros((n, max_len), dtype="int32")
    y = rng.integers(0, 2, size=n).astype("float32")
    for i in range(n):
        length = rng.integers(4, max_len + 1)
        seq = rng.choice(filler, size=length)
        a, b = np.sort(rng.choice(length, size=2, replace=False))
        seq[a], seq[b] = (7, 9) if y[i] else (9, 7)
        x[i, :length] = seq
    return x, y


def bilstm_classifier(vocab=12):
    inputs = keras.Input(shape=(None,), dtype="int32")
    h = layers.Embedding(vocab, 16, mask_zero=True)(inputs)
    h = layers.Bidirectional(layers.LSTM(16))(h)
    outputs = layers.Dense(1, activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def trained_bilstm():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = order_task(1200, rng)
    x_test, y_test = order_task(400, rng)
    model = bilstm_classifier()
    model.fit(x, y, batch_size=32, epochs=3, verbose=0)
    return model, x_test, y_test


def test_bidirectional_lstm_learns_token_order(trained_bilstm):
    model, x_test, y_test = trained_bilstm
    pred = model.predict(x_test, batch_size=200, verbose=0)
    assert pred.shape == (len(x_test), 1)
    accuracy = np.mean((pred[:, 0] > 0.5) == (y_test > 0.5))
    assert accuracy >= 0.9, accuracy  # chance is 0.5
    _, evaluated = model.evaluate(x_test, y_test, batch_size=200, verbose=0)
    assert abs(evaluated - accuracy) < 1e-6


def test_masked_padding_does_not_change_the_prediction(trained_bilstm):
    """With mask_zero, padding steps are skipped: extra trailing zeros change nothing."""
    model, x_test, _ = trained_bilstm
    x = x_test[:50]
    padded = np.concatenate([x, np.zeros((50, 9), dtype="int32")], axis=1)
    short, long = model.predict(x, verbose=0), model.predict(padded, verbose=0)
    np.testing.assert_allclose(short, long, rtol=1e-5, atol=1e-6)


# --- b. A Transformer block written the way the Keras tutorial writes it -------------------------

class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim // num_heads)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=None):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        return self.token_emb(x) + self.pos_emb(positions)


def first_equals_last_task(n, rng, length=6, vocab=3):
    """Tokens in [1, vocab); label 1 when the first token equals the last (balanced, chance 0.5).
    With two token values this is XOR(first, last): averaging per-position features gives a logit
    additive in the two tokens, which cannot express XOR, so the block must mix positions."""
    x = rng.integers(1, vocab, size=(n, length)).astype("int32")
    y = rng.integers(0, 2, size=n).astype("int32")
    other = 1 + (x[:, 0] - 1 + rng.integers(1, vocab - 1, size=n)) % (vocab - 1)
    x[:, -1] = np.where(y == 1, x[:, 0], other)
    return x, y


def test_transformer_block_learns_first_equals_last():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    length, vocab, embed_dim = 6, 3, 32
    x, y = first_equals_last_task(2000, rng, length, vocab)
    x_test, y_test = first_equals_last_task(500, rng, length, vocab)
    inputs = keras.Input(shape=(length,), dtype="int32")
    h = TokenAndPositionEmbedding(length, vocab, embed_dim)(inputs)
    h = TransformerBlock(embed_dim, num_heads=2, ff_dim=32)(h)
    h = layers.GlobalAveragePooling1D()(h)
    outputs = layers.Dense(2, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=64, epochs=10, verbose=0)
    pred = model.predict(x_test, batch_size=250, verbose=0)
    accuracy = np.mean(np.argmax(pred, axis=-1) == y_test)
    assert accuracy >= 0.9, accuracy  # chance is 0.5


# --- c. LSTM forecasting beats the naive last-value forecast --------------------------------------

def sine_windows(n, rng, window=20, noise=0.1):
    """Noisy sine waves of random frequency and phase: predict step `window` from the previous
    `window` steps. Returns x (n, window, 1), y (n, 1)."""
    t = np.arange(window + 1)
    omega = rng.uniform(0.2, 0.6, size=(n, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    series = np.sin(omega * t + phase) + noise * rng.normal(size=(n, window + 1))
    series = series.astype("float32")
    return series[:, :window, None], series[:, window:]


def test_lstm_forecast_beats_last_value():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(2)
    x, y = sine_windows(1500, rng)
    x_test, y_test = sine_windows(500, rng)
    model = keras.Sequential([keras.Input((20, 1)), layers.LSTM(16), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, batch_size=32, epochs=4, verbose=0)
    mse = float(np.mean((model.predict(x_test, verbose=0) - y_test) ** 2))
    naive = float(np.mean((x_test[:, -1] - y_test) ** 2))
    assert mse < 0.5 * naive, (mse, naive)
    assert model.evaluate(x_test, y_test, verbose=0) == pytest.approx(mse, rel=1e-4)
