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


class ServerFullError(WorkspaceFullError):
    """The whole server is at a bound (its model megabytes, its disk, new workspaces from one address); nothing
    was written."""


class StorageDownError(PlaygroundError):
    """The database did not answer within its time limit (or refused the connection); nothing was changed."""

    def __init__(self, key: str = "notice.storage_down", **params):
        super().__init__(key, **params)


class WorkspaceGoneError(PlaygroundError, KeyError):
    """The workspace was removed (idle cleanup, another server) while a session still held its code."""

    def __init__(self, key: str = "notice.ws_gone", **params):
        super().__init__(key, **params)

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class RunGoneError(PlaygroundError):
    """The run was deleted (in another tab) before this action reached it."""

    def __init__(self, key: str = "notice.run_gone", **params):
        super().__init__(key, **params)
