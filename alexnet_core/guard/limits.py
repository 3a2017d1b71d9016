"""The classroom limits, all in one place: change a number here and every page, command and check
follows. Sized for one server shared by ~50 students (24 GB of memory, a few cores).

Memory, per request: ``MAX_PARAMS`` parameters and ``MAX_REQUEST_BYTES`` for the whole work one
request causes (parameters + activations for one image; with gradients for saliency; with the
batch's activations, gradients and optimizer state for training). Across the server: at most
``SERVER_WORK_BYTES`` of such work in flight at once, plus the byte-bounded caches below.
"""

from __future__ import annotations

MAX_PARAMS = 500_000_000
MAX_REQUEST_BYTES = 4_000_000_000  # one request's work; AlexNet at 224 px needs ~0.3 GB
SERVER_WORK_BYTES = 8_000_000_000  # all sessions' requests in flight together (two maximal ones)

# Shared caches, bounded in bytes (what they hold is counted, not their number of entries).
MODEL_CACHE_BYTES = 2_000_000_000  # built models (~245 MB for fp32 AlexNet): about eight
CAPTURE_CACHE_BYTES = 1_000_000_000  # one image's activations per model, image and size
EXPORT_CACHE_BYTES = 1_000_000_000  # finished ONNX files (~245 MB each)
CHANNEL_VIS_CACHE_BYTES = 200_000_000  # what-a-channel-wants pictures (~1 MB each at 224 px)
UPLOAD_CACHE_BYTES = 250_000_000  # decoded uploads, uint8 RGB: two of the largest (40 MP, 120 MB), or many photos

# Uploads, per widget, in MB. The server's own cap (server.maxUploadSize in .streamlit/config.toml)
# must be at least the largest of them: a widget cannot accept more than the server takes.
SERVER_UPLOAD_MB = 20
UPLOAD_IMAGE_MB = 10
UPLOAD_WEIGHTS_MB = 20  # a width-scaled network; full fp32 AlexNet (~245 MB) comes as a checkpoint
UPLOAD_SPEC_MB = 1  # a spec JSON is ~1.5 kB; its parser refuses more than 64 kB anyway

# A training snapshot (conv1 + one layer's maps, one epoch) read back from the store: ~0.15 MB for
# full-width AlexNet; a 256-filter conv1 of the largest kernel a spec allows still fits.
MAX_SNAPSHOT_BYTES = 16_000_000

# Training queue: runs waiting or running.
MAX_QUEUED_PER_SESSION = 3
MAX_QUEUED_TOTAL = 12


def queue_problem(session_queued: int, total_queued: int) -> str | None:
    """Why one more run may not be queued now (the sentence for the Start button), or None."""
    if session_queued >= MAX_QUEUED_PER_SESSION:
        return (f"You already have {session_queued} runs queued or running; at most "
                f"{MAX_QUEUED_PER_SESSION} per person. Wait for one to finish, or cancel one.")
    if total_queued >= MAX_QUEUED_TOTAL:
        return (f"The server already has {total_queued} runs queued or running, its limit for everyone "
                f"together; try again when one has finished.")
    return None
