"""Retraining the NLU without downtime: training examples staged by support staff, model runs
(train, score on the held-out NLU set, load into the running Rasa), and the live model."""
