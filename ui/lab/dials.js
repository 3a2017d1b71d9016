// The Layer Lab's main numbers for one conv block (kernel, stride, padding as sliders; out channels as a box),
// drawn as plain inputs in one element: the browser redraws them without React (BENCHMARKS.md, instant feedback).
// data: {rev, fields: [{f, label, min, max, value, changed, kind: "range" | "number"}]}; rev changes on every
// edit the server handles, so a refused edit still brings the server's values back.
// A committed change sends the trigger "edit" = {field: value, ...}: every edit the server has not answered yet,
// so that two quick edits sent in one batch, or coalesced by the server, both arrive.
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  let root = parentElement.querySelector(".ax-dials");
  if (!root) {
    root = document.createElement("div");
    root.className = "ax-dials";
    root.pending = {};
    parentElement.appendChild(root);
  }
  const send = (f, v) => {
    root.pending[f] = v;
    setTriggerValue("edit", { ...root.pending });
  };
  const shape = data.fields.map((f) => [f.f, f.kind, f.min, f.max].join(":")).join("|");
  if (root.dataset.shape !== shape) {  // another block: new inputs; the same block keeps them (and the focus)
    root.dataset.shape = shape;
    root.pending = {};
    root.replaceChildren(...data.fields.map((f) => cell(f, send)));
  }
  if (root.dataset.rev !== String(data.rev)) {  // the server has answered: its values are the truth now
    root.dataset.rev = String(data.rev);
    root.pending = {};
  }
  data.fields.forEach((f, j) => show(root.children[j], f));
}

function cell(f, send) {
  const label = document.createElement("label");
  label.className = "ax-dial";
  const head = document.createElement("span");
  head.className = "ax-dial-head";
  const name = document.createElement("span");
  const out = document.createElement("output");
  head.append(name, out);
  const input = document.createElement("input");
  input.type = f.kind;
  input.min = f.min;
  input.max = f.max;
  input.step = 1;
  input.setAttribute("aria-label", f.label);
  input.addEventListener("input", () => {
    input.dataset.dirty = "1";  // being dragged or typed: a rerun that arrives now leaves it alone
    if (f.kind === "range") out.textContent = input.value;
  });
  input.addEventListener("change", () => {
    delete input.dataset.dirty;
    const v = Number(input.value);
    if (Number.isInteger(v) && v >= f.min && v <= f.max) send(f.f, v);
    else input.value = input.dataset.server;  // a typed value out of range: back to the server's
  });
  label.append(head, input);
  if (f.kind === "range") {
    const ends = document.createElement("span");
    ends.className = "ax-dial-ends";
    ends.append(span(f.min), span(f.max));
    label.append(ends);
  }
  return label;
}

function span(text) {
  const s = document.createElement("span");
  s.textContent = text;
  return s;
}

function show(label, f) {
  const [head, input] = label.children;
  label.classList.toggle("changed", f.changed);
  head.children[0].textContent = f.changed ? `${f.label} ✎` : f.label;
  input.dataset.server = f.value;
  if (input.dataset.dirty) return;
  head.children[1].textContent = f.kind === "range" ? f.value : "";
  if (String(input.value) !== String(f.value)) input.value = f.value;
}
