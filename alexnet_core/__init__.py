"""AlexNet Explorer's core: specs, presets, shapes, summaries, training and export. No Streamlit here."""

__version__ = "0.1.0"
