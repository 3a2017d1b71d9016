"""ONNX export, its checks and its graph."""
