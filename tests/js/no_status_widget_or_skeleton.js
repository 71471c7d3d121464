// Whether the page shows neither Streamlit's running status nor a skeleton (an element still to come).
() => !document.querySelector("[data-testid='stStatusWidget']")
  && !document.querySelector("[data-testid='stSkeleton']")
