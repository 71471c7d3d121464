"""Training: its settings (``TrainConfig``), the trainer and its events, its optimizers (``optim``: Adam and SGD
without torch.optim), background jobs with a fair scheduler, and the executors that run a job in this process or on
a Ray cluster. Knows nothing of who listens."""
