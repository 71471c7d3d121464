"""Training: its settings (``TrainConfig``), the trainer and its events, background jobs with a fair
scheduler, and the executors that run a job in this process or on a Ray cluster. Knows nothing of who listens."""
