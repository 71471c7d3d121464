"""The command line, ``python -m cnn_core``: ``summary`` (never loads torch), ``train``, ``fetch``
and ``bench``. The top layer: it may use everything below."""
