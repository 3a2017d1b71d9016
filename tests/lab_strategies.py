"""Hypothesis strategies for Layer Lab specs: the same value ranges the Lab's controls offer, kept small
enough that a real forward pass on CPU stays cheap."""

from __future__ import annotations

from hypothesis import strategies as st

from alexnet_core.spec.types import LRN, UNNAMED, Activation, ArchSpec, Classifier, ConvBlock, DropoutPosition, Pool


@st.composite
def conv_blocks(draw, in_ch: int) -> ConvBlock:  # type: ignore[no-untyped-def]
    groups = draw(st.sampled_from([1, 1, 2]))
    out = groups * draw(st.integers(1, 6))
    groups = groups if in_ch % groups == 0 else 1
    pool = draw(st.none() | st.builds(Pool, kernel=st.integers(1, 4), stride=st.integers(1, 3)))
    return ConvBlock(
        out_channels=out, kernel=draw(st.integers(1, 11)), stride=draw(st.integers(1, 5)),
        padding=draw(st.integers(0, 4)), groups=groups, activation=draw(st.sampled_from(list(Activation))),
        lrn=draw(st.none() | st.just(LRN())), batchnorm=draw(st.booleans()), pool=pool,
    )


@st.composite
def lab_specs(draw) -> ArchSpec:  # type: ignore[no-untyped-def]
    in_ch = draw(st.sampled_from([1, 2, 3]))
    convs = []
    ch = in_ch
    for _ in range(draw(st.integers(1, 5))):
        block = draw(conv_blocks(ch))
        convs.append(block)
        ch = block.out_channels
    fs = draw(st.integers(1, 4))
    return ArchSpec(
        name=UNNAMED, in_channels=in_ch, convs=tuple(convs), feature_size=(fs, fs),
        adaptive_pool=draw(st.booleans()),
        classifier=Classifier(hidden=tuple(draw(st.lists(st.integers(1, 32), max_size=2))),
                              dropout=draw(st.sampled_from([0.0, 0.5])),
                              dropout_position=draw(st.sampled_from(list(DropoutPosition)))),
        num_classes=draw(st.integers(1, 12)), log_softmax=draw(st.booleans()),
    )
