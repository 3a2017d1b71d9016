"""Inside the network: feature maps, statistics, filters and predictions for a real image."""

import streamlit as st

from alexnet_core.arch.shapes import ShapeError
from alexnet_core.inside.images import ImageError
from ui import sidebar, state
from ui.inside import context, inputs, views

cfg = sidebar.page_setup()
spec = state.current_spec()

st.title("Inside the network")
head = st.empty()  # which spec is shown: the sidebar's, or a checkpoint's own
head.caption(f"**{state.spec_label()}** at {cfg.in_channels}×{cfg.size}×{cfg.size}: what each layer makes of one image.")

left, right = st.columns(2)
with left:
    picked = inputs.pick_image()
with right:
    loaded = inputs.pick_weights(spec)
if loaded is not None and loaded.own_spec:
    size = loaded.input_size(cfg.size)
    head.caption(f"**{loaded.spec.name}** (a checkpoint's own spec) at {loaded.spec.in_channels}×{size}×{size}: "
                 "what each layer makes of one image. The sidebar's spec is left as it is.")
    st.info(loaded.describe(cfg.size), icon=":material/info:")
if picked is None or loaded is None:
    st.stop()
image_key, image = picked
spec, size = loaded.spec, loaded.input_size(cfg.size)

try:
    ctx = context.build(loaded, image_key, image, size)
except (ShapeError, ImageError) as err:  # the size does not fit the network; the image cannot be resized to it
    st.error(str(err), icon=":material/error:")
    st.stop()
with st.expander("Preprocessing: before and after"):
    views.preprocessing(ctx, image)

views.shown(ctx)
