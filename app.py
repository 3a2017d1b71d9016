"""AlexNet Explorer: navigation, the shared sidebar, and nothing else."""

import streamlit as st

from ui import nav, sidebar
from ui.nav import PAGES


def run() -> None:
    nav.set_page_config()
    pages = [st.Page(path, title=title, icon=icon, default=(i == 0)) for i, (path, title, icon) in enumerate(PAGES)]
    router = st.navigation(pages, position="hidden")  # the sidebar draws its own links (ui/nav.py)
    sidebar.render()
    st.session_state["_shell_rendered"] = True  # the page's page_setup() skips rendering it twice
    router.run()


run()
