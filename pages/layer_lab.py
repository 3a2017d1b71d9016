"""Layer Lab: bend every layer and watch the whole network follow."""

import streamlit as st

from ui import sidebar
from ui.lab import view

sidebar.page_setup()
st.title("Layer Lab")
view.page()
