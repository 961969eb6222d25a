# The per-layer snippets of the seed documents and their CNN, written as a user would.
import numpy as np
from keras.layers import Dense
from keras.layers import Conv2D
from keras.layers import LSTM
from keras.layers import Dropout
from keras.layers import BatchNormalization
from keras.layers import MaxPooling2D
from keras.layers import Flatten
from keras.layers import Embedding
from keras.models import Sequential

dense_layer = Dense(units=64, activation='relu')
conv_layer = Conv2D(filters=32, kernel_size=(3,3), activation='relu')
lstm_layer = LSTM(units=128, return_sequences=True)
dropout_layer = Dropout(rate=0.5)
bn_layer = BatchNormalization()
pool_layer = MaxPooling2D(pool_size=(2,2))
flatten_layer = Flatten()
embedding_layer = Embedding(input_dim=1000, output_dim=64)

rng = np.random.default_rng(0)
images = rng.random((4, 28, 28, 1)).astype('float32')
features = flatten_layer(pool_layer(bn_layer(conv_layer(images))))
assert features.shape == (4, 13 * 13 * 32), features.shape
tokens = rng.integers(1, 1000, size=(4, 12))
sequence = lstm_layer(embedding_layer(tokens))
assert sequence.shape == (4, 12, 128), sequence.shape
assert dense_layer(dropout_layer(sequence[:, -1])).shape == (4, 64)

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
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
labels = rng.integers(0, 10, size=(64,))
history = model.fit(rng.random((64, 28, 28, 1)).astype('float32'), labels, epochs=1, batch_size=32, verbose=0)
assert model.count_params() == 121930, model.count_params()
print("seed_layers ok")
