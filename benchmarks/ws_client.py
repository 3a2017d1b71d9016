"""A Streamlit 1.67 session spoken over its own websocket protocol, without a browser.

What a browser does, and so does this client:
- GET the page, then /_stcore/health, as the frontend does before it connects: the health reply sets the
  `_streamlit_xsrf` cookie;
- open ws://HOST/_stcore/stream with the subprotocols ["streamlit", <that cookie>] (the second entry is how
  the frontend hands the XSRF token over), the cookie itself and an Origin header;
- send BackMsg.rerun_script(ClientState(query_string, page_name, page_script_hash, widget_states));
- read ForwardMsgs until `script_finished`; widget ids come from the deltas (an element id ends with its user key),
  and a delta's `fragment_id` is the fragment a widget lives in: a change to it reruns that fragment only.

Run alone: python3 -m benchmarks.ws_client --port 8501 --page layer_lab --value 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


@dataclass
class Widget:
    """A widget as the deltas describe it: its id, its element type, its fragment ('' outside any) and its proto."""

    id: str
    kind: str
    fragment_id: str
    proto: object


@dataclass
class RunResult:
    """One rerun as the websocket saw it: seconds from send to script_finished, messages, bytes, error texts."""

    seconds: float
    messages: int
    bytes: int
    status: str
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "finished" and not self.errors


def xsrf_cookie(host: str, port: int, path: str = "/", timeout: float = 30.0) -> str:
    """The XSRF cookie the server sets on the health check that follows the page GET (the browser's first requests)."""
    with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=timeout) as reply:
        reply.read()
    with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=timeout) as reply:
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == XSRF_COOKIE:
                return rest.split(";", 1)[0]
    raise RuntimeError("the server set no _streamlit_xsrf cookie; is enableXsrfProtection on?")


def _widget_of(element) -> tuple[str, object] | None:
    kind = element.WhichOneof("type")
    if kind is None:
        return None
    proto = getattr(element, kind)
    wid = getattr(proto, "id", "") if hasattr(proto, "DESCRIPTOR") and "id" in proto.DESCRIPTOR.fields_by_name else ""
    return (kind, proto) if wid else None


def set_value(state: WidgetState, widget: Widget, value) -> None:
    """Fill a WidgetState the way the frontend does for this element type."""
    state.id = widget.id
    if widget.kind == "slider":
        state.double_array_value.data[:] = [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    elif widget.kind == "number_input":
        if widget.proto.data_type == widget.proto.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    elif widget.kind in ("selectbox", "radio", "text_input", "text_area", "segmented_control"):
        state.string_value = str(value)
    elif widget.kind == "checkbox":
        state.bool_value = bool(value)
    elif widget.kind == "button":
        state.trigger_value = bool(value)  # a press: true for this rerun only, as the frontend sends it
    elif widget.kind == "bidi_component":  # a custom component's trigger, e.g. lab_stride(2): {"event", "value"}
        from streamlit.components.v2.bidi_component.main import _make_trigger_id

        state.id = _make_trigger_id(widget.id, "events")
        state.json_trigger_value = json.dumps([value])
    else:
        raise ValueError(f"this client cannot set a {widget.kind} widget")


TRIGGERS = ("button", "bidi_component")
LAB_DIALS = "lab_dials_0"  # conv1's dials on the Layer Lab (ui/lab/dials.py)


def lab_stride(v: int) -> dict:
    """What conv1's stride dial sends when moved to ``v``: Session.change(LAB_DIALS, lab_stride(v))."""
    from ui.lab.dials import EVENT

    return {"event": EVENT, "value": {"s": int(v)}}


class Session:
    """One browser tab's worth of websocket session."""

    def __init__(self, host: str, port: int, page: str, query: str = "") -> None:
        self.host, self.port, self.page, self.query = host, port, page, query
        self.ws = None
        self.page_hash = ""
        self.widgets: dict[str, Widget] = {}  # by user key
        self.states: dict[str, WidgetState] = {}  # by widget id: all the values this tab has set, sent every rerun
        self.messages = 0
        self.bytes = 0

    async def open(self, timeout: float = 120.0) -> RunResult:
        """Connect and run the page with its query string, as a tab opening the link does."""
        cookie = await asyncio.to_thread(xsrf_cookie, self.host, self.port, f"/{self.page}")
        self.ws = await websockets.connect(
            f"ws://{self.host}:{self.port}/_stcore/stream",
            subprotocols=["streamlit", cookie],
            additional_headers={"Cookie": f"{XSRF_COOKIE}={cookie}", "Origin": f"http://{self.host}:{self.port}"},
            max_size=None, open_timeout=timeout, ping_interval=None,
        )
        return await self.rerun(timeout=timeout)

    def key_of(self, key: str) -> Widget:
        if key not in self.widgets:
            raise KeyError(f"no widget with key {key!r} on {self.page}; seen: {sorted(self.widgets)[:20]}")
        return self.widgets[key]

    async def change(self, key: str, value, timeout: float = 120.0) -> RunResult:
        """Set a widget by its user key and rerun, in its fragment if it sits in one; time to script_finished."""
        widget = self.key_of(key)
        state = WidgetState()
        set_value(state, widget, value)
        if widget.kind in TRIGGERS:  # a trigger is not a value the tab keeps: the next rerun sends it no more
            return await self.rerun(fragment_id=widget.fragment_id, timeout=timeout, once=[state])
        self.states[widget.id] = state
        return await self.rerun(fragment_id=widget.fragment_id, timeout=timeout)

    async def rerun(self, fragment_id: str = "", timeout: float = 120.0,
                    once: list[WidgetState] | None = None) -> RunResult:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = "" if self.page_hash else self.page
        cs.page_script_hash = self.page_hash
        cs.fragment_id = fragment_id
        cs.widget_states.widgets.extend([*self.states.values(), *(once or [])])
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._until_finished(start), timeout)

    async def _until_finished(self, start: float) -> RunResult:
        n = size = 0
        errors: list[str] = []
        while True:
            raw = await self.ws.recv()
            n, size = n + 1, size + len(raw)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash or self.page_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                if el.WhichOneof("type") == "exception":
                    errors.append(f"{el.exception.type}: {el.exception.message}")
                found = _widget_of(el)
                if found:
                    wkind, proto = found
                    user_key = proto.id.rsplit("-", 1)[-1] if "-" in proto.id else proto.id
                    self.widgets[user_key] = Widget(proto.id, wkind, fwd.delta.fragment_id, proto)
            elif kind == "page_not_found":
                errors.append(f"page not found: {self.page}")
            elif kind == "session_event" and fwd.session_event.WhichOneof("type") == "script_compilation_exception":
                errors.append("script compilation exception")
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the script asked for a rerun (st.rerun): the change ends when that one does
                self.messages, self.bytes = self.messages + n, self.bytes + size
                status = "finished" if fwd.script_finished in DONE else ForwardMsg.ScriptFinishedStatus.Name(
                    fwd.script_finished)
                return RunResult(time.perf_counter() - start, n, size, status, errors)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def _main(args: argparse.Namespace) -> None:
    s = Session(args.host, args.port, args.page, args.query)
    first = await s.open()
    print(f"open: {first.seconds * 1000:.1f} ms, {first.messages} messages, {first.bytes} bytes, {first.status}",
          first.errors or "")
    w = s.key_of(args.key)
    print(f"{args.key}: id={w.id} kind={w.kind} fragment={w.fragment_id or '-'}")
    for i in range(args.n):
        value = args.value if i % 2 == 0 else args.other
        r = await s.change(args.key, lab_stride(value) if args.key == LAB_DIALS else value)
        print(f"change: {r.seconds * 1000:.1f} ms, {r.messages} messages, {r.bytes} bytes, {r.status}", r.errors or "")
    await s.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--page", default="layer_lab")
    p.add_argument("--query", default="")
    p.add_argument("--key", default=LAB_DIALS, help=f"a widget's key ({LAB_DIALS}: conv1's stride dial)")
    p.add_argument("--value", default=2)
    p.add_argument("--other", default=4)
    p.add_argument("--n", type=int, default=5)
    asyncio.run(_main(p.parse_args()))
