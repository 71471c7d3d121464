"""The bottom layer: errors, texts and locales, environment settings, untrusted input (zips, class names,
typed text) and process settings. It imports nothing else of cnn_core, and neither torch nor Streamlit at import."""
