"""Source of notebooks/01_quickstart.ipynb (build with `python notebooks/build.py`)."""
# %% [markdown]
# # Quickstart: Dense layers and activation functions
#
# minikeras is Keras 3 computed with numpy and differentiated with HIPS autograd. In Jupyter,
# `%load_ext minikeras` makes `import keras` (and `from tensorflow import keras`) give minikeras,
# so the Keras code below runs unchanged. Outside IPython, `import minikeras; minikeras.install()`
# does the same.
#
# This notebook walks through the Dense examples of the tutorials this project grew from:
# a Dense layer is `y = f(Wx + b)`, models stack layers with `Sequential`, activations put
# the non-linearity `f` in, and a custom activation is just a function of tensors.

# %%
# %load_ext minikeras

import matplotlib.pyplot as plt
import numpy as np

import keras

print("keras", keras.__version__, "| backend:", keras.backend.backend(), "| module:", keras.__name__)
keras.utils.set_random_seed(42)

# %% [markdown]
# ## A Dense layer
#
# Straight from the tutorial: 64 neurons with a ReLU activation. The layer creates its weights
# the first time it sees an input, so we call it on a batch of 4 vectors of 20 features.

# %%
from keras.layers import Dense
# Create a fully connected layer with 64 neurons using ReLU activation function
dense_layer = Dense(units=64, activation='relu')

x = np.random.rand(4, 20).astype("float32")
y = dense_layer(x)
W, b = dense_layer.kernel.numpy(), dense_layer.bias.numpy()
print("input", x.shape, "-> output", tuple(y.shape))
print("kernel W", W.shape, "bias b", b.shape)
print("y == relu(x @ W + b):", np.allclose(y, np.maximum(x @ W + b, 0), atol=1e-6))

# %% [markdown]
# ## Stacking layers with `Sequential`
#
# The tutorial's model: the first layer gets `input_shape`, the following ones infer their input
# size. The tutorial leaves `input_dim` open; we use 64, the number of pixels of the 8x8 digits
# we train on below.

# %%
from keras.models import Sequential
from keras.layers import Dense

input_dim = 64

# Initialize the model
model = Sequential()
# Add a Dense layer
model.add(Dense(units=64, activation='relu', input_shape=(input_dim,)))
model.add(Dense(units=32, activation='tanh'))
model.add(Dense(units=10, activation='softmax'))
model.summary()

# %% [markdown]
# ## A custom activation
#
# Any function of tensors can be an activation. The tutorial's example multiplies the input by
# its sigmoid, written with the backend functions `K.*` of Keras 2:

# %%
from keras import backend as K

def custom_activation(x):
    return x * K.sigmoid(x)  # A combination of linear and sigmoid behavior

model.add(Dense(units=128, activation=custom_activation))
print(model.layers[-1].name, "output shape", model.output_shape)

# %% [markdown]
# Keras 3 moved these functions to `keras.ops`: real Keras 3's `keras.backend` has no `sigmoid`,
# so the cell above raises `AttributeError` there. minikeras keeps `K.*` so that older tutorials
# run, but new code should say `keras.ops`, which works in both:

# %%
from keras import ops

def custom_activation_ops(x):
    return x * ops.sigmoid(x)  # the Keras 3 spelling of the same function

t = np.linspace(-4, 4, 9).astype("float32")
print("K version == ops version:", np.allclose(custom_activation(t), custom_activation_ops(t)))
# x * sigmoid(x) is exactly Keras's built-in "swish" (also called SiLU):
print("custom == swish:", np.allclose(custom_activation_ops(t), keras.activations.swish(t)))

# %% [markdown]
# ## Activations side by side
#
# Each panel plots an activation `f(x)` (solid) and its slope `f'(x)` (dashed, by finite
# differences). The slopes show why sigmoid and tanh "vanish" for large |x| while ReLU keeps a
# slope of 1 for every positive input, and how leaky ReLU, ELU, GELU and swish keep some
# gradient below zero.

# %%
names = ["relu", "sigmoid", "tanh", "leaky_relu", "elu", "selu",
         "gelu", "swish", "softplus", "softsign", "hard_sigmoid", "custom"]
xs = np.linspace(-5, 5, 401).astype("float32")
fig, axes = plt.subplots(3, 4, figsize=(13, 8.5), sharex=True)
for ax, name in zip(axes.flat, names):
    f = custom_activation_ops if name == "custom" else keras.activations.get(name)
    ys = np.asarray(f(xs))
    ax.plot(xs, ys, lw=2, label="f(x)")
    ax.plot(xs, np.gradient(ys, xs), "--", lw=1.5, label="f'(x)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_title("custom: x * sigmoid(x)" if name == "custom" else name)
    ax.set_ylim(-2, 5)
axes[0, 0].legend(loc="upper left")
fig.suptitle("keras.activations: f(x) and f'(x)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Softmax turns a vector of scores into probabilities
#
# Unlike the functions above, softmax is not applied element by element: `exp(z_i) / sum_j exp(z_j)`
# depends on the whole vector. It keeps the order of the scores, and its outputs are positive and
# sum to 1, which is why the last layer of a classifier uses it.

# %%
scores = np.array([[2.0, 1.0, 0.1, -1.0, 3.0]], dtype="float32")
probs = np.asarray(keras.activations.softmax(scores))[0]
print("scores       ", scores[0])
print("softmax      ", np.round(probs, 4), "sum =", round(float(probs.sum()), 6))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
ax1.bar(range(5), scores[0], color="tab:gray")
ax1.set_title("scores (logits)")
ax2.bar(range(5), probs, color="tab:blue")
ax2.set_title("softmax(scores)")
fig.tight_layout()
plt.show()
assert abs(probs.sum() - 1) < 1e-6 and probs.argmax() == scores.argmax()

# %% [markdown]
# ## Training on handwritten digits
#
# minikeras ships the UCI 8x8 handwritten digits (1,797 images), so this runs offline.
# `keras.datasets.digits` is the one minikeras-specific line in this notebook; everything else is
# plain Keras: a `Sequential` model with Dense, Dropout and the custom activation, `compile`,
# `fit` with a live progress bar, and `evaluate`.

# %%
(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
print("train", x_train.shape, "test", x_test.shape, "classes", np.unique(y_train))

from keras.layers import Dropout

model = Sequential([
    Dense(units=64, activation='relu', input_shape=(input_dim,)),
    Dropout(rate=0.2),
    Dense(units=32, activation=custom_activation_ops),
    Dense(units=10, activation='softmax'),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=20, validation_split=0.1)

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test)
predicted = model.predict(x_test[:12]).argmax(axis=-1)

fig, axes = plt.subplots(1, 12, figsize=(12, 1.6))
for ax, image, label, guess in zip(axes, x_test[:12], y_test[:12], predicted):
    ax.imshow(image.reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{guess}", color="tab:green" if guess == label else "tab:red")
    ax.axis("off")
fig.suptitle("predictions on test digits (red: wrong)", y=1.05)
plt.show()
print(f"test accuracy {test_accuracy:.4f}, test loss {test_loss:.4f}")

# %%
assert test_accuracy > 0.9, test_accuracy
print(f"NOTEBOOK OK: 01_quickstart test accuracy {test_accuracy:.4f} > 0.9")
