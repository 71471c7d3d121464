"""What every page shares: server-wide resources, the visitor's workspace, which model a page shows, the
header and share box, warm-up and what a server does at start, the instructor key, and the style sheet
that hides Streamlit's own English.
Imports :mod:`ui.base`."""
