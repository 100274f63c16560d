"""The only Streamlit-aware helpers: the cached store, data access, formats."""
