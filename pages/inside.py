"""Inside the network: feature maps, statistics, filters and predictions for a real image."""

import streamlit as st

from alexnet_core.arch.shapes import ShapeError
from ui import cache as shape_cache
from ui import sidebar, state
from ui.inside import cache as inside_cache
from ui.inside import inputs, views

cfg = sidebar.page_setup()
spec = state.current_spec()

st.title("Inside the network")
st.caption(f"**{state.spec_label()}** at {cfg.in_channels}×{cfg.size}×{cfg.size}: what each layer makes of one image.")

try:
    shapes = {s.label: s for s in shape_cache.shapes(spec, cfg.size)}
except ShapeError as err:
    st.error(str(err), icon=":material/error:")
    st.stop()

left, right = st.columns(2)
with left:
    picked = inputs.pick_image()
with right:
    loaded = inputs.pick_weights(spec)
if picked is None or loaded is None:
    st.stop()
image_key, image = picked
source, model, names = loaded

prep, cap, stats = inside_cache.capture(spec, source, image_key, image, cfg.size, model)
thumb, shown_uri = inside_cache.display(image_key, cfg.size, spec.in_channels, image, prep.shown)
ctx = views.Ctx(spec, source, image_key, cfg.size, model, names, prep, cap, stats, shapes, thumb, shown_uri)
with st.expander("Preprocessing: before and after"):
    views.preprocessing(ctx, image)

view = st.radio("View", list(views.VIEWS), horizontal=True, key="inside_view", label_visibility="collapsed")
views.VIEWS[view](ctx)
