"""What runs inside Rasa (custom components) and the training and evaluation entry points."""
