"""TensorFlow's API on numpy, for tutorials written against `tensorflow`."""
