"""The bottom of the app's shell: texts in the session's language and number formatting (``i18n``),
session state and the URL (``state``) and the page list (``nav``). Imports cnn_core only, never other ui groups."""
