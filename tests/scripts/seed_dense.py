# The Dense-network snippets of the seed documents, written as a user would (keras imports).
import numpy as np
from keras.models import Sequential
from keras.layers import Dense, Dropout

dense_layer = Dense(units=64, activation='relu')
dropout_layer = Dropout(rate=0.5)

input_dim = 20
model = Sequential()
model.add(Dense(units=64, activation='relu', input_shape=(input_dim,)))
model.add(Dense(units=32, activation='tanh'))
model.add(Dense(units=10, activation='softmax'))
model.add(Dense(units=128, activation='relu'))
model.add(Dense(units=10, activation='softmax'))
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
x = np.random.RandomState(0).rand(128, input_dim).astype('float32')
y = (x[:, 0] * 10).astype('int32')
history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
assert history.history['loss'][-1] < history.history['loss'][0], history.history
print("seed_dense ok", model.count_params())
