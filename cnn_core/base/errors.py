"""Errors a user can cause, carrying a message key and its parameters.

The core speaks no language of its own: every error names a key from the
translation files (``cnn_core/locales/*.toml``, read by :mod:`cnn_core.base.texts`)
and the values to fill in, so the app can explain it in the user's language.
``str(err)`` gives the English text for the command line and logs.
"""

from __future__ import annotations

from cnn_core.base.texts import CLI_LANG, translate


class PlaygroundError(Exception):
    """An error a user can cause, explained by ``key`` and ``params``."""

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        super().__init__(translate(CLI_LANG, key, **params))

    def __reduce__(self):
        # Pickled by key and parameters (not by the English text, which is not a key): an error raised on a
        # Ray node reaches the app as itself, explained in the user's language, not as "Failed to deserialize".
        return _rebuild, (type(self), self.key, self.params)


def _rebuild(cls: type[PlaygroundError], key: str, params: dict) -> PlaygroundError:
    return cls(key, **params)


class ArchitectureError(PlaygroundError):
    """The architecture cannot be built (a map shrinks below a kernel or pool, ...)."""


class DataError(PlaygroundError):
    """A dataset is missing, or an uploaded image archive is unusable."""


class ModelFileError(PlaygroundError):
    """An uploaded model file is refused."""


class WorkspaceFullError(PlaygroundError):
    """A new run cannot fit the workspace's limits even with every unpinned run removed; nothing was changed."""
