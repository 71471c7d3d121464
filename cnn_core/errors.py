"""Errors a user can cause, carrying a message key and its parameters.

The core speaks no language of its own: every error names a key from the app's
translation tables (see ``ui/i18n.py``) and the values to fill in, so the app
can explain it in Spanish or English. ``str(err)`` gives the English text for
the command line and logs.
"""

from __future__ import annotations

# English texts for the command line; the app has its own tables for both
# languages, and a test checks that every key here exists there too.
MESSAGES_EN: dict[str, str] = {
    "err.kernel_too_big": (
        "block {block}: the {size}×{size} map is smaller than the {kernel}×{kernel} kernel "
        "with 'valid' padding; use 'same' padding, a smaller kernel or fewer blocks"
    ),
    "err.pool_too_big": (
        "block {block}: the {size}×{size} map is smaller than the {pool}×{pool} pool; "
        "remove a block or use a smaller pool"
    ),
    "err.even_kernel_same": (
        "a {kernel}×{kernel} kernel has no centre, so 'same' padding cannot keep the size; "
        "use an odd kernel (1, 3, 5, 7) or 'valid' padding"
    ),
    "err.out_of_range": "{field} must be between {low} and {high} (got {value})",
    "err.bad_choice": "{field} must be one of {choices} (got {value})",
    "err.too_big": (
        "this network needs about {need_mb} MB to train with batch size {batch_size}, "
        "more than the {limit_mb} MB limit; use fewer filters, more pooling or a smaller batch"
    ),
    "err.bad_input_shape": "input must look like 28x28x1 (height x width x channels), got {value}",
    "err.bad_int_list": "{field} must be whole numbers separated by commas, got {value}",
    "err.data_missing": (
        "the {dataset} files were not found in {data_dir} and could not be downloaded ({reason}). "
        "Copy them there (see README: 'Offline data') or set CNN_PLAYGROUND_DATA_DIR"
    ),
    "err.zip_not_zip": "the upload is not a valid zip file",
    "err.zip_unsafe_path": "the zip contains an unsafe path ({path}); nothing was extracted",
    "err.zip_too_big": (
        "the zip would expand to {size_mb} MB, more than the {limit_mb} MB limit; "
        "upload fewer or smaller images"
    ),
    "err.zip_too_many_files": "the zip holds {count} files, more than the limit of {limit}",
    "err.zip_no_images": "the zip holds no images in class folders (expected class_name/image.png)",
    "err.zip_one_class": (
        "found only one class ({classes}); put each class's images in its own folder, "
        "at least two folders"
    ),
    "err.zip_too_many_classes": "found {count} classes, more than the limit of {limit}",
    "err.model_corrupt": "this file is not a CNN Playground model (or it is damaged): {reason}",
    "err.model_too_big": "the model file is {size_mb} MB, more than the {limit_mb} MB limit",
    "err.internal": "something went wrong inside the playground ({reason}); please try again",
    "err.no_bf16": "bf16 mixed precision is not available on this device ({device}); choose fp32 or automatic",
    "err.loss_nan": (
        "the loss became NaN (not a number) at step {step}: the learning rate {lr} is too high "
        "for this network; try a learning rate 10 times smaller"
    ),
}

# Informational notes (not errors) the core reports, e.g. about a loaded archive.
NOTES_EN: dict[str, str] = {
    "note.skipped_files": "skipped {count} files that are not readable images in class folders",
    "note.images_loaded": "{train} training and {test} test images in {classes} classes, resized to {size}×{size}",
}


class PlaygroundError(Exception):
    """An error a user can cause, explained by ``key`` and ``params``."""

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        super().__init__(MESSAGES_EN[key].format(**params))


class ArchitectureError(PlaygroundError):
    """The architecture cannot be built (a map shrinks below a kernel or pool, ...)."""


class DataError(PlaygroundError):
    """A dataset is missing, or an uploaded image archive is unusable."""


class ModelFileError(PlaygroundError):
    """An uploaded model file is refused."""
