"""Source of notebooks/03_text_lstm.ipynb (build with `python notebooks/build.py`)."""
# %% [markdown]
# # Text classification with Embedding and LSTM
#
# Text is a sequence of words, and word order matters: "the plot was good" and "the plot was not
# good" share all but one word and mean the opposite. This notebook builds the classic recipe
# for such data — an `Embedding` turning word indices into vectors, then an `LSTM` reading them
# in order — and trains it on short movie reviews that it generates itself (no download).
#
# The reviews are built so that a model *must* read the order: half of them negate the adjective
# ("not ... good" is negative, "not ... boring" is positive), and some openers contain a "not"
# that negates nothing ("i can not lie, ..."). Counting words is not enough.

# %%
# %load_ext minikeras

import matplotlib.pyplot as plt
import numpy as np

import keras
from keras import layers

keras.utils.set_random_seed(0)

# %% [markdown]
# ## The layers, as in the tutorials
#
# `Embedding(input_dim=1000, output_dim=64)` maps each of 1,000 word indices to a learned
# 64-dimensional vector. `LSTM(units=128, return_sequences=True)` returns its state after every
# word; with the default `return_sequences=False` only the last one, a summary of the sequence.

# %%
from keras.layers import Embedding, LSTM

embedding_layer = Embedding(input_dim=1000, output_dim=64)
lstm_layer = LSTM(units=128, return_sequences=True)

word_ids = np.array([[4, 20, 7, 999, 1]])  # one "sentence" of 5 word indices
vectors = embedding_layer(word_ids)
print("word ids", word_ids.shape, "-> embeddings", tuple(vectors.shape))
print("LSTM(return_sequences=True) ->", tuple(lstm_layer(vectors).shape))
print("LSTM(return_sequences=False) ->", tuple(LSTM(units=128)(vectors).shape))

# %% [markdown]
# ## A generated review data set

# %%
rng = np.random.default_rng(0)
POSITIVE = ["good", "great", "excellent", "wonderful", "fun", "brilliant", "charming", "moving"]
NEGATIVE = ["bad", "boring", "awful", "terrible", "dull", "poor", "clumsy", "tedious"]
SUBJECTS = ["the movie", "this film", "the plot", "the acting", "the ending", "the music",
            "the cast", "the script"]
VERBS = ["was", "is", "felt", "seemed", "looked"]
ADVERBS = ["", "", "very", "really", "quite", "truly"]
OPENERS = ["", "", "honestly", "i can not lie", "to be fair", "in my opinion",
           "without a doubt", "i must say", "do not ask me why but"]


def review():
    """A review and its label: 1 (positive) when the adjective's polarity is not negated."""
    positive, negated = rng.random() < 0.5, rng.random() < 0.5
    words = [rng.choice(OPENERS), rng.choice(SUBJECTS), rng.choice(VERBS),
             "not" if negated else "", rng.choice(ADVERBS),
             rng.choice(POSITIVE if positive else NEGATIVE)]
    return " ".join(w for w in words if w), int(positive != negated)


texts, labels = zip(*(review() for _ in range(4000)))
for text, label in zip(texts[:6], labels[:6]):
    print(["negative", "positive"][label], "|", text)

# %% [markdown]
# Word indices start at 1: index 0 is padding. `pad_sequences` left-pads every review to the
# same length, and `mask_zero=True` tells the Embedding to mask the padding so the LSTM skips it.

# %%
vocabulary = sorted({word for text in texts for word in text.split()})
index = {word: i + 1 for i, word in enumerate(vocabulary)}
sequences = [[index[word] for word in text.split()] for text in texts]
maxlen = max(len(s) for s in sequences)
x = keras.utils.pad_sequences(sequences, maxlen=maxlen)
y = np.array(labels)
x_train, y_train, x_test, y_test = x[:3000], y[:3000], x[3000:], y[3000:]
print(f"{len(vocabulary)} words, reviews padded to {maxlen}; train {x_train.shape}, "
      f"test {x_test.shape}; positive share {y.mean():.2f}")
print(texts[0], "->", x[0])

# %% [markdown]
# ## The model
#
# Embedding -> LSTM -> one sigmoid unit for "positive". The cheat sheet suggests RMSprop for
# recurrent layers; on this task Adam gets off the plateau described below much sooner (with
# RMSprop's defaults the model is still at chance after 10 epochs here, in real Keras too: try it).

# %%
model = keras.Sequential([
    keras.Input(shape=(maxlen,), dtype="int32"),
    layers.Embedding(input_dim=len(vocabulary) + 1, output_dim=16, mask_zero=True),
    layers.LSTM(32),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.summary()
history = model.fit(x_train, y_train, batch_size=32, epochs=10, validation_split=0.1)

# %% [markdown]
# The curves often show a plateau near 50% before accuracy jumps: the model first has to
# discover that "not" flips the meaning of the word after it.

# %%
epochs = np.arange(1, len(history.history["loss"]) + 1)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.5))
ax1.plot(epochs, history.history["loss"], "-o", label="loss")
ax1.plot(epochs, history.history["val_loss"], "--o", label="val_loss")
ax2.plot(epochs, history.history["accuracy"], "-o", label="accuracy")
ax2.plot(epochs, history.history["val_accuracy"], "--o", label="val_accuracy")
for ax in (ax1, ax2):
    ax.set_xlabel("epoch")
    ax.legend()
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

test_loss, test_accuracy = model.evaluate(x_test, y_test)
print(f"test accuracy {test_accuracy:.4f} (chance: 0.5)")

# %% [markdown]
# ## Reviews the model has never seen

# %%
mine = ["the acting was not good", "honestly the plot was not boring",
        "i can not lie the ending was brilliant", "do not ask me why but the music was dull",
        "this film seemed really excellent", "the script looked not very clumsy"]
x_mine = keras.utils.pad_sequences([[index[w] for w in t.split()] for t in mine], maxlen=maxlen)
p_mine = model.predict(x_mine)[:, 0]
for text, p in zip(mine, p_mine):
    print(f"{p:6.3f} {'positive' if p > 0.5 else 'negative':8s} | {text}")

# %% [markdown]
# ## What the embedding learned
#
# Projecting the 16-dimensional word vectors onto their two main directions (PCA) shows
# positive and negative adjectives pulled apart, and "not" away from everything else: the
# embedding has learned which words carry the meaning.

# %%
vectors = model.layers[0].get_weights()[0]
centered = vectors[1:] - vectors[1:].mean(axis=0)
_, _, components = np.linalg.svd(centered, full_matrices=False)
points = centered @ components[:2].T
colour = {w: "tab:green" for w in POSITIVE} | {w: "tab:red" for w in NEGATIVE} | {"not": "black"}
fig, ax = plt.subplots(figsize=(7, 5.5))
for word, (px, py) in zip(vocabulary, points):
    ax.scatter(px, py, color=colour.get(word, "tab:gray"), s=18)
    if word in colour:
        ax.annotate(word, (px, py), fontsize=9, color=colour[word])
ax.set_title("word embeddings, PCA (green: positive, red: negative)")
plt.show()

# %%
assert test_accuracy >= 0.9, test_accuracy
print(f"NOTEBOOK OK: 03_text_lstm test accuracy {test_accuracy:.4f} >= 0.9 (chance 0.5)")
