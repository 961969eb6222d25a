"""Source of notebooks/04_transformer_attention.ipynb (build with `python notebooks/build.py`)."""
# %% [markdown]
# # A Transformer block and its attention weights
#
# Attention lets every position of a sequence look at every other position and take a weighted
# average of what it finds there, with weights
#
# `attention_weights = softmax(Q K^T / sqrt(d_k))`
#
# where the queries `Q`, keys `K` and values `V` are learned projections of the input. A
# Transformer block wraps multi-head attention and a small feed-forward network in residual
# connections, layer normalisation and dropout.
#
# We write the block as a `Layer` subclass, train it on a task whose solution we know — reverse a
# sequence of digits — and then look at the attention weights: to write position `i` of the
# reversed sequence, the model has to attend to position `T - 1 - i`.

# %%
# %load_ext minikeras

import matplotlib.pyplot as plt
import numpy as np

import keras
from keras import layers, ops

keras.utils.set_random_seed(0)

# %% [markdown]
# ## The layers
#
# The same two custom layers as Keras's "Text classification with Transformer" example:
# token + position embeddings (attention itself ignores order, so the position must be part of
# each vector), and the block. The layers created in `__init__` are tracked automatically, and
# their weights train with the model.

# %%
class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        positions = ops.arange(0, ops.shape(x)[-1])
        return self.token_emb(x) + self.pos_emb(positions)


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
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

# %% [markdown]
# ## The task: reverse a sequence
#
# Inputs are 8 random digits 1..9; the target at every position is the input read backwards.
# The model predicts one digit per position (a softmax over the 10 tokens), so it is a
# classification at each of the 8 positions.

# %%
VOCAB, LENGTH = 10, 8
rng = np.random.default_rng(0)
x = rng.integers(1, VOCAB, size=(4000, LENGTH))
y = x[:, ::-1]
x_train, y_train, x_test, y_test = x[:3000], y[:3000], x[3000:], y[3000:]
print("input ", x_train[0])
print("target", y_train[0])

# %%
embed_dim, num_heads, ff_dim = 32, 2, 64
embedding = TokenAndPositionEmbedding(LENGTH, VOCAB, embed_dim)
block = TransformerBlock(embed_dim, num_heads, ff_dim)

inputs = keras.Input(shape=(LENGTH,), dtype="int32")
hidden = block(embedding(inputs))
outputs = layers.Dense(VOCAB, activation="softmax")(hidden)
model = keras.Model(inputs, outputs)
model.summary()

# %%
model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=4, validation_split=0.1)

epochs = np.arange(1, len(history.history["loss"]) + 1)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(epochs, history.history["accuracy"], "-o", label="accuracy")
ax.plot(epochs, history.history["val_accuracy"], "--o", label="val_accuracy")
ax.set_xlabel("epoch")
ax.set_title("per-digit accuracy")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test)
predicted = model.predict(x_test[:3]).argmax(axis=-1)
for source, guess in zip(x_test[:3], predicted):
    print(source, "->", guess)
sequence_accuracy = float((model.predict(x_test).argmax(axis=-1) == y_test).all(axis=1).mean())
print(f"per-digit test accuracy {test_accuracy:.4f}; whole sequences right {sequence_accuracy:.4f} "
      f"(chance per digit: 1/9)")

# %% [markdown]
# ## Looking at the attention weights
#
# `MultiHeadAttention(..., return_attention_scores=True)` also returns the weights, with shape
# `(batch, num_heads, query positions, key positions)`. We call the trained attention layer on
# one embedded test sequence. Each row is a query position (an output digit), each column a key
# position (an input digit); a reversal should put the weight on the anti-diagonal.

# %%
example = x_test[:1]
embedded = embedding(example)
_, scores = block.att(embedded, embedded, return_attention_scores=True)
scores = np.asarray(scores)
print("attention scores", scores.shape, "rows sum to 1:", np.allclose(scores.sum(-1), 1, atol=1e-5))

fig, axes = plt.subplots(1, num_heads, figsize=(4.6 * num_heads, 4.2))
for head, ax in enumerate(np.atleast_1d(axes)):
    ax.imshow(scores[0, head], cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(LENGTH), [str(d) for d in example[0]])
    ax.set_yticks(range(LENGTH), [f"out {i}" for i in range(LENGTH)])
    ax.set_xlabel("key: input digit")
    ax.set_title(f"head {head}")
fig.suptitle(f"attention weights reversing {example[0]}")
fig.tight_layout()
plt.show()

# Weight each query puts on its mirrored key T-1-i, averaged over the heads and 200 test inputs.
embedded = embedding(x_test[:200])
_, all_scores = block.att(embedded, embedded, return_attention_scores=True)
mirrored = np.asarray(all_scores).mean(axis=(0, 1))[np.arange(LENGTH), LENGTH - 1 - np.arange(LENGTH)]
print("mean attention on the mirrored position:", np.round(mirrored, 2))

# %%
assert test_accuracy >= 0.95, test_accuracy
print(f"NOTEBOOK OK: 04_transformer_attention per-digit test accuracy {test_accuracy:.4f} >= 0.95 "
      f"(chance 0.11); mean mirrored attention {mirrored.mean():.2f}")
