"""The reference solution reproduces every figure the original notebooks publish.

The inputs come from captioning/public_checks.py (the same definitions the
notebooks and the self-check use); the bounds below are the figures of the
original assignment, which are stricter than the students' tolerances where
the original printed a smaller number.
"""
import numpy as np
import pytest

from captioning import public_checks
from captioning.public_checks import PUBLIC_CHECKS

# part -> {measurement label: bound}; "*" is the bound of every other label.
PUBLISHED_BOUNDS = {
    "rnn_step_forward": {"next_h": 1e-8},
    "rnn_forward": {"h": 1e-7},
    "word_embedding_forward": {"out": 5e-8},          # "on the order of 1e-8"
    "lstm_step_forward": {"next_h": 5e-8, "next_c": 5e-8},
    "lstm_forward": {"h": 1e-7},
    "rnn_step_backward": {"*": 1e-8},
    "rnn_backward": {"*": 5e-7, "dWh": 1e-6},
    "word_embedding_backward": {"dW": 1e-11},
    "temporal_affine": {"*": 1e-9},
    "temporal_softmax": {"dx": 1e-7},
    "rnn_loss": {"loss": 1e-10, "*": 5e-6},
    "lstm_step_backward": {"*": 1e-7},
    "lstm_backward": {"*": 1e-7, "dWh": 1e-6},
    "lstm_loss": {"loss": 1e-10},
}


@pytest.mark.parametrize("part", sorted(PUBLISHED_BOUNDS))
def test_reference_meets_published_figure(part):
    measurements = public_checks.run_check(part, note_dependencies=False).measurements
    bounds = PUBLISHED_BOUNDS[part]
    checked = 0
    for m in measurements:
        if m.kind == "range":
            assert m.passed, m.describe()
            continue
        bound = bounds.get(m.label, bounds.get("*"))
        if bound is None:
            continue
        checked += 1
        assert m.value < bound, "%s: %s %.3g, published bound %.0e" % (part, m.label, m.value, bound)
    assert checked, "no measurement of %s was compared" % part


def test_softmax_sanity_losses_match_the_original():
    losses = {m.label: m.value for m in public_checks.run_check("temporal_softmax", note_dependencies=False).measurements}
    assert abs(losses["loss T=1"] - 2.3) < 0.05      # about log(10)
    assert abs(losses["loss T=10"] - 23) < 0.5
    assert 2.2 <= losses["loss p=0.1"] <= 2.4


def test_every_public_check_passes_on_the_reference():
    for part in PUBLIC_CHECKS:
        assert public_checks.run_check(part).passed, part


@pytest.mark.parametrize("cell_type", ["rnn", "lstm"])
def test_float32_stays_float32(cell_type):
    from captioning import optim
    from captioning.classifiers.rnn import CaptioningRNN
    words = {"<NULL>": 0, "<START>": 1, "<END>": 2, "a": 3, "b": 4}
    model = CaptioningRNN(words, input_dim=6, wordvec_dim=4, hidden_dim=5, cell_type=cell_type)
    rng = np.random.RandomState(0)
    features = rng.randn(3, 6).astype(np.float32)
    captions = rng.randint(0, 5, size=(3, 7))
    loss, grads = model.loss(features, captions)
    assert np.asarray(loss).dtype == np.float32
    assert {name: g.dtype for name, g in grads.items()} == {name: np.dtype(np.float32) for name in grads}
    next_w, config = optim.adam(model.params["Wx"], grads["Wx"])
    assert next_w.dtype == np.float32 and config["m"].dtype == np.float32
    assert model.sample(features, max_length=4).dtype == np.int32
