"""Networks: the architecture and its arithmetic (neurons, parameters, the tutorial's table), the torch model
built from it, inspection (feature maps, gradients, Grad-CAM), saved model files and the shipped model.
Imports only :mod:`cnn_core.base`."""
