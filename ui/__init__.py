"""Streamlit glue shared by the pages: session state, URL mirror, the sidebar. Thin by design."""
