"""keras.preprocessing: data loading helpers, by module as in Keras (`preprocessing.image`)."""
from minikeras.preprocessing import image
