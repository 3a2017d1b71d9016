"""AlexNet Explorer: navigation, the shared sidebar, and nothing else."""

import streamlit as st

from ui import sidebar
from ui.nav import PAGES


def run() -> None:
    st.set_page_config(page_title="AlexNet Explorer", page_icon=":material/grid_view:", layout="wide")
    pages = [st.Page(path, title=title, icon=icon, default=(i == 0)) for i, (path, title, icon) in enumerate(PAGES)]
    nav = st.navigation(pages, position="hidden")  # the sidebar draws its own links (ui/nav.py)
    sidebar.render()
    st.session_state["_shell_rendered"] = True  # the page's page_setup() skips rendering it twice
    nav.run()


run()
