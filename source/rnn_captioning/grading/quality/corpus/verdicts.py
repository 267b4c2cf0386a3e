"""Compare grader results on the corpus with what each variant declares.

    python verdicts.py GRADES [GRADES ...] [--corpus DIR] [--quiet]

GRADES is a `python -m autograder grade-batch` output folder: one
`<variant name>/results.json` per variant (Gradescope schema: tests with
`score`, `max_score`, `extra_data.part`). Several folders may be given (say a
run with -k "not overfit" and a run with -k overfit); for each variant and
part, the last folder holding that part wins.

A part's verdict is "lost" when its tests scored less than their maximum. It
is WRONG when the part lost points but the variant does not declare it in
LOSES, or kept full points but is declared. Only parts present in the results
are counted: a part a -k run skipped is not a verdict. Prints every
disagreement with the first failing check's message and a tally by cause
(guessed from the messages; "missed:<hint>" for points that should have been
lost). Exit status 0 always (it measures, it does not judge).
"""
import argparse
import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).resolve().parent


def _load_materialize():
    spec = importlib.util.spec_from_file_location("_corpus_verdicts_materialize", CORPUS / "materialize.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def judge(variant, results):
    """The disagreements between one variant's results.json and its declaration:
    [(part, what went wrong)]. A declared part must lose points and carry its
    hint (a failing check's extra_data.hint, or for "upstream:<part>" a failing
    check whose output names that part); every other graded part keeps its points."""
    wrong = []
    tests_by_part = {}
    for test in results["tests"]:
        tests_by_part.setdefault(test["extra_data"]["part"], []).append(test)
    for part, tests in sorted(tests_by_part.items()):
        failing = [t for t in tests if t["score"] < t["max_score"] - 1e-9]
        declared = variant.loses.get(part)
        if declared is None:
            if failing:
                wrong.append((part, "lost points it should keep: %s" % failing[0]["output"].splitlines()[0][:200]))
            continue
        if not failing:
            wrong.append((part, "kept its points but should lose them (%s)" % declared))
            continue
        if declared.startswith("upstream:"):
            named = declared.split(":", 1)[1]
            if not any("`%s`" % named in t["output"] or named in t["output"] for t in failing):
                wrong.append((part, "lost points without naming %s: %s"
                              % (named, failing[0]["output"].replace("\n", " | ")[:240])))
        elif not any(t["extra_data"].get("hint") == declared for t in failing):
            hints = sorted({str(t["extra_data"].get("hint")) for t in failing})
            wrong.append((part, "lost points without the hint %s (hints: %s): %s"
                          % (declared, ", ".join(hints), failing[0]["output"].replace("\n", " | ")[:240])))
    return wrong


def read_results(folders):
    """{variant: {part: {"score", "max", "messages"}}} merged over folders (last wins per part)."""
    merged = {}
    for folder in folders:
        for path in sorted(Path(folder).glob("*/results.json")):
            data = json.loads(path.read_text())
            parts = {}
            for test in data.get("tests", []):
                part = (test.get("extra_data") or {}).get("part")
                if part is None:
                    continue
                entry = parts.setdefault(part, {"score": 0.0, "max": 0.0, "messages": []})
                entry["score"] += float(test.get("score") or 0.0)
                entry["max"] += float(test.get("max_score") or 0.0)
                if float(test.get("score") or 0.0) < float(test.get("max_score") or 0.0) - 1e-9:
                    entry["messages"].append("%s: %s" % (test.get("name", "?"), test.get("output", "")))
            merged.setdefault(path.parent.name, {}).update(parts)
    return merged


# Causes of a wrong "lost" verdict are guessed from the failing check's message.
MODEL_PARTS = {"rnn_loss", "lstm_loss", "rnn_sample", "lstm_sample", "overfit_rnn", "overfit_lstm"}
COMPOSITES = {"rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward"}
STEPS = {"rnn_step_forward", "rnn_step_backward", "lstm_step_forward", "lstm_step_backward"}


def false_loss_cause(variant, part, messages, variants):
    """Why a part lost points it should keep (a guess from the messages and the corpus)."""
    text = "\n".join(messages)
    if "for float32 inputs" in text or "keep the inputs' dtype" in text:
        return "dtype"
    if "importing your package failed" in text or "No module named" in text:
        return "import"
    if part in COMPOSITES and any(p in STEPS for p in variant.loses):
        return "error_carried_forward"
    if "finite differences of your forward" in text or "could not be differentiated numerically" in text:
        return "numeric_check_of_own_wrong_forward"
    descriptions = [variant.description]
    if variant.base in variants:
        descriptions.append(variants[variant.base].description)
    if part in MODEL_PARTS and any("is 'rnn'" in d or "is 'lstm'" in d for d in descriptions):
        return "is_literal"
    return "other"


def main(argv=None):
    parser = argparse.ArgumentParser(description="grader verdicts against the corpus declarations")
    parser.add_argument("grades", nargs="+", help="grade-batch output folders")
    parser.add_argument("--corpus", default=str(CORPUS), help="the corpus folder (correct/, bugs/)")
    parser.add_argument("--quiet", action="store_true", help="totals only")
    args = parser.parse_args(argv)

    materialize = _load_materialize()
    variants = {v.name: v for v in materialize.all_variants(args.corpus)}
    results = read_results(args.grades)
    missing = sorted(set(variants) - set(results))

    total = wrong = 0
    causes = Counter()
    by_kind = Counter()
    per_variant = []
    for name in sorted(results, key=lambda n: (variants[n].kind != "correct", n) if n in variants else (2, n)):
        if name not in variants:
            continue
        variant = variants[name]
        rows = []
        for part, entry in sorted(results[name].items()):
            lost = entry["score"] < entry["max"] - 1e-6
            declared = part in variant.loses
            total += 1
            if lost == declared:
                continue
            wrong += 1
            by_kind[variant.kind] += 1
            if lost:
                cause = false_loss_cause(variant, part, entry["messages"], variants)
                first = entry["messages"][0].splitlines()[0:2] if entry["messages"] else [""]
                rows.append("  %-24s lost %.4g/%.4g but should keep [%s]: %s"
                            % (part, entry["max"] - entry["score"], entry["max"], cause, " | ".join(first)[:160]))
            else:
                hint = variant.loses[part]
                cause = "missed:" + hint
                rows.append("  %-24s kept full points but should lose (%s)" % (part, hint))
            causes[cause] += 1
        per_variant.append((name, variant.kind, len(results[name]), rows))

    if not args.quiet:
        for name, kind, n_parts, rows in per_variant:
            if rows:
                print("%s (%s, %d parts graded): %d wrong" % (name, kind, n_parts, len(rows)))
                for row in rows:
                    print(row)
        print()
    print("variants graded: %d (%d correct, %d bugs)%s" % (
        len(per_variant), sum(k == "correct" for _, k, _, _ in per_variant),
        sum(k == "bug" for _, k, _, _ in per_variant),
        "; NOT graded: " + ", ".join(missing) if missing else ""))
    print("part verdicts counted: %d; wrong: %d (%d on correct variants, %d on bugs)"
          % (total, wrong, by_kind["correct"], by_kind["bug"]))
    for cause, count in causes.most_common():
        print("  %-32s %d" % (cause, count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
