# The kit's entry points. `make demo` and `make test` each set up .venv from
# pyproject.toml on a fresh machine; every other target assumes they ran.
PYTHON      ?= python3
VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
ASSIGNMENT  := rnn_captioning
DATA_DIR    := datasets/synthetic_captioning

.PHONY: demo test build data check-build sandbox-deps browser-deps bench corpus clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# bubblewrap isolates student code; without it the grader falls back to an
# unprivileged user and says so in every report.
sandbox-deps:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -qq bubblewrap >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq bubblewrap >/dev/null 2>&1)) || \
	    echo "note: could not install bubblewrap; grading falls back to an unprivileged user"; \
	  else echo "note: bubblewrap not found; grading falls back to an unprivileged user"; fi; }

# Chromium and its driver: a test opens the class summary in a real (headless) browser;
# without them that test is skipped and says why.
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    (apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1)) || \
	    echo "note: could not install chromium; the browser test of the class summary is skipped"; \
	  else echo "note: chromium not found; the browser test of the class summary is skipped"; fi; }

data: $(STAMP)
	$(PY) source/$(ASSIGNMENT)/get_datasets.py --out $(DATA_DIR)

build: $(STAMP) data
	$(PY) -m build_assignment

# Build into a temporary folder and compare with the committed release/ and solutions/.
check-build: $(STAMP) data
	$(PY) -m build_assignment --check

demo: $(STAMP) sandbox-deps build
	$(PY) -m demo

test: $(STAMP) sandbox-deps browser-deps data
	$(PY) -m pytest -n 2 --timeout 900

# Slow measurements live here, not in the timed test suite.
bench: $(STAMP) sandbox-deps build
	$(PY) benchmarks/reference_speed.py --runs 3
	$(PY) benchmarks/grade_time.py
	$(PY) benchmarks/grader_vs_nbgrader.py
	$(PY) benchmarks/batch_throughput.py
	$(PY) benchmarks/worst_case.py
	$(PY) benchmarks/course_batch.py --students 300 --jobs 2
	$(PY) benchmarks/regrade_time.py --students 100 --jobs 2
	$(PY) benchmarks/bleu_synthetic.py

# Every student-style variant through the grader, training included (about 10 minutes).
corpus: $(STAMP) sandbox-deps data
	$(PY) benchmarks/corpus_sweep.py --jobs 2

clean:
	rm -rf $(VENV) out
