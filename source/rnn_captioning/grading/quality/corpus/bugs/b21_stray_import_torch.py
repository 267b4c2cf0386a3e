"""A leftover `import torch` at the top of classifiers/rnn.py from trying things in Colab; the grader has no torch."""
KIND = "bug"
BASE = "c05_einsum"
LOSES = {"rnn_loss": "import_error", "overfit_rnn": "import_error", "rnn_sample": "import_error",
         "lstm_loss": "import_error", "overfit_lstm": "import_error", "lstm_sample": "import_error"}

# ==== classifiers/rnn.py ====
import torch  # noqa: F401
