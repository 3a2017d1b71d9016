"""Tour: a guided walk through AlexNet, one step per screen, each with a live view and a change to try."""

import streamlit as st

from ui import sidebar
from ui.tour import page

sidebar.page_setup()
st.title("A tour of AlexNet")
page.render()
