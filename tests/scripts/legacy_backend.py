# The seed's custom activation with the Keras 2 backend idiom `K.sigmoid`. Real Keras 3 keeps
# `K.sigmoid` only in tf.keras.backend, working only on the TensorFlow backend; minikeras has it.
import numpy as np
from keras.models import Sequential
from keras.layers import Dense
from keras import backend as K


def custom_activation(x): return x * K.sigmoid(x) # A combination of linear and sigmoid behavior


model = Sequential()
model.add(Dense(units=64, activation='relu', input_shape=(20,)))
model.add(Dense(units=128, activation=custom_activation))
model.add(Dense(units=10, activation='softmax'))
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
x = np.random.RandomState(0).rand(128, 20).astype('float32')
y = (x[:, 0] * 10).astype('int32')
history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
assert history.history['loss'][-1] < history.history['loss'][0], history.history
z = np.linspace(-3, 3, 7).astype('float32')
np.testing.assert_allclose(custom_activation(z), z / (1 + np.exp(-z)), rtol=1e-6)
print("legacy_backend ok")
