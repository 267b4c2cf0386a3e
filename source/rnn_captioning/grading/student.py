"""The hidden checks' view of the student's package: plain Python calls that
become requests to the sandboxed child (answered by child_ops.py) and come
back as validated numeric arrays, one CaseResult per case.
"""
from dataclasses import dataclass, field

import numpy as np

from autograder.proxy import StudentRunFailed, describe_error  # noqa: F401  (checks import them from here)

# The modules of the student's package each operation imports first: a layer
# check needs only rnn_layers.py, so a broken classifiers/rnn.py costs it nothing.
IMPORTS = {"layers": ("rnn_layers",), "model": ("classifiers.rnn",),
           "overfit": ("classifiers.rnn", "captioning_solver")}


@dataclass
class CaseResult:
    outputs: list = field(default_factory=list)
    grads: list = field(default_factory=list)
    perturbed: dict = field(default_factory=dict)   # (arg index, output index) -> array
    loss: object = None
    grad_dict: dict = field(default_factory=dict)
    captions: object = None
    error: str = None
    warning: str = None      # the first warning raised in the student's files, "rnn_layers.py, line 12: ..."
    note: str = None         # e.g. "changes its input dout in place"


class Student:
    """Calls into the student's package through the engine's proxy. With a replacement
    (replacements.Replacement), the functions it names are put aside in every call and
    the reference answers for them."""

    def __init__(self, proxy, replacement=None, reference=None):
        self.proxy, self.replacement, self.reference = proxy, replacement, reference

    def _run(self, arrays, meta, limits):
        meta = dict(meta, imports=list(IMPORTS[meta["op"]]))
        if self.replacement is None:
            return self.proxy.run(arrays, meta, limits)
        return self.proxy.run(arrays, dict(meta, replace=self.replacement.specs), limits,
                              oracle=self.replacement.answer(self.reference))

    # -- layer functions ---------------------------------------------------
    def layers(self, spec, cases, backward, perturb=(), step=1e-5, limits=None):
        """cases: list of dicts of input arrays (and upstream gradients)."""
        arrays, requests = {}, []
        for index, case in enumerate(cases):
            for name, value in case.items():
                arrays["%d:%s" % (index, name)] = value
            requests.append({
                "forward": spec.forward, "args": ["%d:%s" % (index, n) for n in spec.args],
                "n_outputs": len(spec.outputs),
                "backward": spec.backward if backward else None,
                "upstream": ["%d:%s" % (index, n) for n in spec.upstream],
                "n_grads": len(spec.grads), "perturb": list(perturb), "step": step})
        answer = self._run(arrays, {"op": "layers", "cases": requests}, limits)
        received, results = answer.arrays, []
        for index in range(len(cases)):
            key = str(index)
            result = CaseResult(error=answer.errors.get(key), warning=answer.warnings.get(key),
                                note=answer.notes.get(key))
            result.outputs = [received.get("%s:out%d" % (key, k)) for k in range(len(spec.outputs))]
            result.grads = [received.get("%s:grad%d" % (key, k)) for k in range(len(spec.grads))]
            for a in perturb:
                for k in range(len(spec.outputs)):
                    result.perturbed[(a, k)] = received.get("%s:perturbed%d.%d" % (key, a, k))
            results.append(result)
        return results

    # -- CaptioningRNN -----------------------------------------------------
    def model(self, cases, limits=None):
        """cases: dicts with cell_type, word_to_idx, dims, dtype, params, features,
        method ('loss' or 'sample'), captions or max_length."""
        arrays, requests = {}, []
        for index, case in enumerate(cases):
            refs = {}
            for name, value in case["params"].items():
                refs[name] = "%d:param:%s" % (index, name)
                arrays[refs[name]] = value
            arrays["%d:features" % index] = case["features"]
            request = {k: case[k] for k in ("cell_type", "word_to_idx", "input_dim", "wordvec_dim",
                                             "hidden_dim", "method")}
            request.update(dtype=np.dtype(case["dtype"]).name, params=refs,
                           features="%d:features" % index)
            if case["method"] == "loss":
                arrays["%d:captions" % index] = case["captions"]
                request["captions"] = "%d:captions" % index
            else:
                request["max_length"] = int(case["max_length"])
            requests.append(request)
        answer = self._run(arrays, {"op": "model", "cases": requests}, limits)
        received, results = answer.arrays, []
        for index, case in enumerate(cases):
            key = str(index)
            result = CaseResult(error=answer.errors.get(key), warning=answer.warnings.get(key))
            result.loss = received.get("%s:loss" % key)
            result.grad_dict = {name: received.get("%s:grad:%s" % (key, name)) for name in case["params"]}
            result.captions = received.get("%s:captions" % key)
            results.append(result)
        return results

    # -- training ----------------------------------------------------------
    def overfit(self, data, cell_type, settings, limits):
        """Train the student's model on data; returns (params dict, loss history, first warning)."""
        arrays = {"train_captions": data["train_captions"],
                  "train_image_idxs": data["train_image_idxs"],
                  "train_features": data["train_features"]}
        model = dict(settings["model"], dtype=np.dtype(settings["model"]["dtype"]).name)
        meta = {"op": "overfit", "cell_type": cell_type, "word_to_idx": data["word_to_idx"],
                "seed": settings["seed"], "model": model, "solver": settings["solver"]}
        answer = self._run(arrays, meta, limits)
        if answer.errors.get("0"):
            raise StudentRunFailed("training " + describe_error(answer.errors["0"]))
        params = {name[len("param:"):]: value for name, value in answer.arrays.items()
                  if name.startswith("param:")}
        return params, answer.arrays.get("loss_history"), answer.warnings.get("0")
