"""The hidden checks' view of the student: plain Python calls that become one
sandboxed child run each, and come back as validated numeric arrays.

A run that fails as a whole (timeout, crash, import error, garbled reply)
raises StudentRunFailed with a reason a student can act on; a single case that
raised comes back as that case's `error` text.
"""
from dataclasses import dataclass, field

import numpy as np

from .sandbox import Limits


class StudentRunFailed(Exception):
    """The child produced no usable reply; str() is the reason for the report."""


@dataclass
class CaseResult:
    outputs: list = field(default_factory=list)
    grads: list = field(default_factory=list)
    perturbed: dict = field(default_factory=dict)   # (arg index, output index) -> array
    loss: object = None
    grad_dict: dict = field(default_factory=dict)
    captions: object = None
    error: str = None


def describe_error(text):
    """A short first line for a traceback text (the full text goes to the report's log)."""
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "unknown error"
    if "NotImplementedError" in last:
        return "not implemented yet (it raises NotImplementedError)"
    return "raised %s" % last[:300]


class StudentProxy:
    def __init__(self, sandbox, log):
        self.sandbox = sandbox
        self.log = log            # list of (title, ChildRun), shown in the report
        self.title = None

    def _run(self, arrays, meta, limits):
        run = self.sandbox.call(arrays, meta, limits)
        self.log.append((self.title, run))
        if not run.ok:
            raise StudentRunFailed("your code did not finish: %s" % run.detail)
        fatal = run.meta.get("fatal")
        if fatal:
            raise StudentRunFailed(str(fatal)[:2000])
        errors = run.meta.get("errors")
        if not isinstance(errors, dict):
            raise StudentRunFailed("the reply was garbled (no error table)")
        return run.arrays, {str(k): str(v)[:4000] for k, v in errors.items()}

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
        received, errors = self._run(arrays, {"op": "layers", "cases": requests}, limits or Limits())
        results = []
        for index in range(len(cases)):
            key = str(index)
            result = CaseResult(error=errors.get(key))
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
        received, errors = self._run(arrays, {"op": "model", "cases": requests}, limits or Limits())
        results = []
        for index, case in enumerate(cases):
            key = str(index)
            result = CaseResult(error=errors.get(key))
            result.loss = received.get("%s:loss" % key)
            result.grad_dict = {name: received.get("%s:grad:%s" % (key, name)) for name in case["params"]}
            result.captions = received.get("%s:captions" % key)
            results.append(result)
        return results

    # -- training ----------------------------------------------------------
    def overfit(self, data, cell_type, settings, limits):
        """Train the student's model on data; returns (params dict, loss history)."""
        arrays = {"train_captions": data["train_captions"],
                  "train_image_idxs": data["train_image_idxs"],
                  "train_features": data["train_features"]}
        model = dict(settings["model"], dtype=np.dtype(settings["model"]["dtype"]).name)
        meta = {"op": "overfit", "cell_type": cell_type, "word_to_idx": data["word_to_idx"],
                "seed": settings["seed"], "model": model, "solver": settings["solver"]}
        received, errors = self._run(arrays, meta, limits)
        if errors.get("0"):
            raise StudentRunFailed("training " + describe_error(errors["0"]))
        params = {name[len("param:"):]: value for name, value in received.items()
                  if name.startswith("param:")}
        return params, received.get("loss_history")
