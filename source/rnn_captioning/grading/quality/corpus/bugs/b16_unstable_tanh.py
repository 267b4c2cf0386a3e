"""My hand-written tanh is (1 - exp(-2z)) / (1 + exp(-2z)); it overflows to NaN for z around -50 in float32."""
KIND = "bug"
BASE = "c04_handwritten_stable"
LOSES = {"rnn_step_forward": "unstable_tanh", "rnn_step_backward": "upstream:rnn_step_forward",
         "lstm_step_forward": "unstable_tanh", "lstm_step_backward": "upstream:lstm_step_forward"}
SELFCHECK_MISSES = {
    'rnn_step_backward': "the notebook's inputs for this part never saturate: only the step forward's visible check tries |a| near 50",
    'lstm_step_backward': "the notebook's inputs for this part never saturate: only the step forward's visible check tries |a| near 50"}

# ==== rnn_layers.py ====


def stable_tanh(z):
    return (1 - np.exp(-2 * z)) / (1 + np.exp(-2 * z))
