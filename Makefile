# The two commands a new user needs: `make run` sets up and starts the bot; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check bench bench-load mutation clean lock

# The development set-up: the locked dependencies with their hashes (the same on every machine, month after month),
# then policybot itself, editable. A production install is deploy/install.sh (docs/operations.md).
$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# Both lock files again from pyproject.toml's ranges, with uv (installed into .venv for this): after changing a
# dependency, or to take newer releases on purpose; say so in CHANGELOG.md.
lock: $(STAMP)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --quiet -o requirements-dev.lock

run: $(STAMP)
	$(BIN)/policybot run $(ARGS)

check: $(STAMP)
	$(BIN)/policybot check

# Four pytest workers, each module's tests in one of them (its servers shared): most tests wait on a server, not a core.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/mypy tests/bot/fakes.py  # the fake that stands for Deps: its @override marks checked against Deps
	$(BIN)/pytest -n 4 --dist loadfile

# What people wait for (the form on screen, the post changed, the receipt), and the ack, against a bare Bolt app.
bench: $(STAMP)
	$(BIN)/python -m bench.waiting

# A busy minute (50 staff) on SQLite, and 20 staff on a slow Slack (every answer 0.5 s late): forms missed, waits.
bench-load: $(STAMP)
	$(BIN)/python -m bench.load --staff 50 --seconds 60
	$(BIN)/python -m bench.load --staff 20 --seconds 60 --slow 0.5

# Mutation testing of the permission table, the command path, every listener, the sender and retention ([tool.mutmut]
# in pyproject.toml; docs/mutation.md). Slow (about 50 minutes on two shared cores), so not part of `make test`.
# Starts afresh in ./mutants, two mutants at a time, then prints the score of each module and every mutant that was
# not killed (`.venv/bin/mutmut show NAME` shows one).
mutation: $(STAMP)
	rm -rf mutants && mkdir mutants
	$(BIN)/mutmut run --max-children 2 > mutants/run.log 2>&1 || (tail -n 40 mutants/run.log; exit 1)
	@$(BIN)/mutmut results --all true | awk -F': ' '{ m = $$1; sub(/^ +/, "", m); sub(/\.[^.]*$$/, "", m); \
		n[m]++; if ($$2 == "killed") k[m]++ } \
		END { for (m in n) printf "%-28s %4d of %4d killed (%5.1f%%)\n", m, k[m], n[m], 100 * k[m] / n[m] }' | sort
	@echo "Not killed:"
	@$(BIN)/mutmut results

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache mutants
