"""The camera as an image source: the same caps and sentences as an upload, and when browsers allow it."""

from __future__ import annotations

import io

import numpy as np
import pytest
import streamlit
from PIL import Image

from alexnet_core.inside import images
from alexnet_core.inside.images import ImageError
from tests.helpers import app_test
from ui.inside import inputs

PAGE = "pages/inside.py"
QUERY = {"variant": "torchvision", "size": "64"}


@pytest.mark.parametrize("url", ["https://10.0.0.5:8501/inside", "http://localhost:8501/inside",
                                 "http://127.0.0.1:8501/", "http://[::1]:8501/", "http://app.localhost/", None, ""])
def test_the_camera_is_allowed_over_https_and_from_localhost(url):
    assert images.camera_problem(url) is None


@pytest.mark.parametrize("url", ["http://192.168.1.20:8501/inside", "http://lecture-room.example:8501"])
def test_plain_http_from_a_lan_address_is_one_sentence_naming_the_fix(url):
    msg = images.camera_problem(url)
    assert msg and "https or from localhost" in msg and "server.sslCertFile" in msg and "\n" not in msg
    assert msg.count(". ") == 0  # one sentence


class Shot:
    """What st.camera_input returns: an UploadedFile with getvalue()."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self.name = "image.jpg"

    def getvalue(self) -> bytes:
        return self._data


def jpeg(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, format="JPEG")
    return buf.getvalue()


def camera_page(monkeypatch, data: bytes | None):
    monkeypatch.setattr(streamlit, "camera_input", lambda *a, **k: None if data is None else Shot(data))
    at = app_test(PAGE, QUERY)
    at.selectbox(key="inside_image").set_value(inputs.CAMERA).run()
    assert not at.exception, at.exception
    return at


def test_before_the_photo_the_page_says_what_to_do_and_where_the_camera_works(monkeypatch):
    at = camera_page(monkeypatch, None)
    assert any("Take a photo" in i.value for i in at.info)
    assert any("https or from localhost" in c.value for c in at.caption)


def test_a_photo_feeds_every_view(monkeypatch):
    at = camera_page(monkeypatch, jpeg(320, 240))
    assert not at.error, [e.value for e in at.error]
    assert len(at.get("plotly_chart")) == 1  # the enlarged channel; the grid and the receptive field are inline SVG
    svgs = [m.value for m in at.markdown if m.value.startswith("<svg")]
    assert any('aria-label="feature maps of' in s for s in svgs) and any("receptive field of" in s for s in svgs)
    steps = " ".join(m.value for m in at.markdown)
    assert "resize 320×240" in steps  # the camera frame is what was preprocessed


@pytest.mark.parametrize("data", [b"", b"not a jpeg at all" * 30, jpeg(40, 30)[:50]])
def test_a_bad_frame_gives_the_uploads_own_sentence(monkeypatch, data):
    at = camera_page(monkeypatch, data)
    with pytest.raises(ImageError) as err:
        images.decode_upload(data, images.CAMERA_NAME)
    assert [e.value for e in at.error] == [str(err.value)]
    assert len(at.get("plotly_chart")) == 0


def test_the_uploads_size_cap_holds_for_the_camera(monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 1000)
    at = camera_page(monkeypatch, jpeg(330, 250))  # bytes no earlier test decoded (decodes are cached)
    assert [e.value for e in at.error] and "images up to 0 MB are accepted" in at.error[0].value
