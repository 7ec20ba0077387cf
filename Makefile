# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-big clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m conflict_minerals.demo build/demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy src
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_reader.py
	$(BIN)/python benchmarks/bench_matching.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_inspect.py
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_filings.py
	$(BIN)/python benchmarks/bench_extended.py
	$(BIN)/python benchmarks/bench_program.py
	$(BIN)/python benchmarks/bench_web.py

# The program at 10,000 suppliers, on SQLite and PostgreSQL (about half an hour on 2 cores).
bench-big: $(STAMP)
	$(BIN)/python benchmarks/bench_program.py --n 1000 10000

clean:
	rm -rf build $(VENV) .pytest_cache .mypy_cache .ruff_cache
