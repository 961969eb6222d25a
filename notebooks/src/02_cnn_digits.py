"""Source of notebooks/02_cnn_digits.ipynb (build with `python notebooks/build.py`)."""
# %% [markdown]
# # A convolutional network on handwritten digits
#
# The "simple CNN" of the Keras layers tutorial, unchanged: two Conv2D + MaxPooling2D stages,
# Flatten, a Dense layer with Dropout and a softmax classifier, for 28x28 grey images.
#
# MNIST itself would need a download, so we use the handwritten digits that ship with minikeras:
# `keras.datasets.digits.load_data(size=28)` gives the 8x8 UCI digits resized to MNIST's shape
# (28x28, uint8 0..255), so MNIST tutorial code runs on them as it is.

# %%
# %load_ext minikeras

import time

import matplotlib.pyplot as plt
import numpy as np

import keras

keras.utils.set_random_seed(0)

(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data(size=28)
print("train", x_train.shape, x_train.dtype, "test", x_test.shape)

# MNIST-style preprocessing: scale to [0, 1] and add the channel axis.
x_train = x_train.astype("float32")[..., None] / 255.0
x_test = x_test.astype("float32")[..., None] / 255.0

(small, _), _ = keras.datasets.digits.load_data()
fig, axes = plt.subplots(2, 8, figsize=(10, 3.2))
for i in range(8):
    axes[0, i].imshow(small[i], cmap="gray_r")
    axes[0, i].set_title(f"8x8: {y_train[i]}")
    axes[1, i].imshow(x_train[i, :, :, 0], cmap="gray_r")
    axes[1, i].set_title("28x28")
for ax in axes.flat:
    ax.axis("off")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The tutorial's model, as written

# %%
from keras.models import Sequential
from keras.layers import Dense, Dropout, Conv2D, MaxPooling2D, Flatten
# Create a simple CNN model
model = Sequential([
    Conv2D(32,(3,3), activation='relu', input_shape=(28,28,1)),
    MaxPooling2D((2,2)),
    Conv2D(64,(3,3), activation='relu'),
    MaxPooling2D((2,2)),
    Flatten(),
    Dense(64, activation='relu'),
    Dropout(0.5),
    Dense(10, activation='softmax')
])
model.summary()

# %% [markdown]
# ## Training
#
# Adam and sparse categorical cross-entropy (the labels are integers 0..9); 10% of the training
# images are held out to watch for overfitting. Each epoch's bar is redrawn in place while it runs.

# %%
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
start = time.perf_counter()
history = model.fit(x_train, y_train, batch_size=32, epochs=10, validation_split=0.1)
print(f"trained in {time.perf_counter() - start:.0f} s")

# %% [markdown]
# ## Training curves from `History`
#
# `fit` returns a `History` callback whose `history` dict holds one value per epoch for every
# loss and metric, for the training data and (prefixed `val_`) for the validation data.

# %%
print(sorted(history.history))
epochs = np.arange(1, len(history.history["loss"]) + 1)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for key, style in (("loss", "-o"), ("val_loss", "--o")):
    ax1.plot(epochs, history.history[key], style, label=key)
for key, style in (("accuracy", "-o"), ("val_accuracy", "--o")):
    ax2.plot(epochs, history.history[key], style, label=key)
ax1.set_title("loss")
ax2.set_title("accuracy")
for ax in (ax1, ax2):
    ax.set_xlabel("epoch")
    ax.legend()
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %% [markdown]
# Training accuracy sits below validation accuracy early on: Dropout(0.5) is active while
# training and switched off for validation and prediction.
#
# ## Test accuracy and the confusion matrix

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test)
predicted = model.predict(x_test).argmax(axis=-1)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, predicted), 1)

fig, ax = plt.subplots(figsize=(5, 4.5))
im = ax.imshow(confusion, cmap="Blues")
for i in range(10):
    for j in range(10):
        if confusion[i, j]:
            ax.text(j, i, confusion[i, j], ha="center", va="center",
                    color="white" if confusion[i, j] > confusion.max() / 2 else "black")
ax.set_xlabel("predicted")
ax.set_ylabel("true")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_title(f"test accuracy {test_accuracy:.3f}")
plt.show()
print(f"test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f}, "
      f"{(predicted != y_test).sum()} of {len(y_test)} test digits wrong")

# %%
assert test_accuracy >= 0.95, test_accuracy
print(f"NOTEBOOK OK: 02_cnn_digits test accuracy {test_accuracy:.4f} >= 0.95")
