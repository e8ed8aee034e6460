# Two commands on a fresh machine: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
HOST    ?= 127.0.0.1
PORT    ?= 8000
WORKERS ?= 2
CLUSTER_PORT ?= 8080

.PHONY: install run cluster cluster-tools test test-fast bench bench-quick bench-cluster docs chromium clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	@echo "nn-playground: open http://$(HOST):$(PORT)"
	$(BIN)/python -m app --host $(HOST) --port $(PORT)

# nginx in front, Redis between, WORKERS app processes behind (app/cluster.py; deploy/README.md).
cluster: install
	$(BIN)/python -m app cluster --workers $(WORKERS) --port $(CLUSTER_PORT)

# Debian's nginx and redis-server for the cluster and its tests (tests/cluster fails without them, naming them).
cluster-tools: install
	@$(BIN)/python -c "from app.cluster import install_tools; import sys; \
	missing = install_tools(); \
	missing and print('tests/cluster will fail: install', ' '.join(missing), file=sys.stderr)"

# Debian's chromium drives the browser tests; Playwright cannot download its own here.
# fonts-noto-cjk: the screenshots of the page in 中文 show Chinese glyphs, not boxes.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
chromium:
	@if [ ! -x $(CHROMIUM) ] || [ ! -f $(CJK_FONT) ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing Debian's chromium and fonts-noto-cjk (apt-get)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else \
	    echo "chromium or fonts-noto-cjk is missing: run 'sudo apt-get install chromium fonts-noto-cjk'" >&2; exit 1; \
	  fi; \
	fi

test: install chromium cluster-tools
	$(BIN)/python -m pytest -q

# Engine and API only, no browser.
test-fast: install cluster-tools
	$(BIN)/python -m pytest -q --ignore=tests/browser -m "not browser"

# Figures to compare, never pass/fail (docs/performance.md). bench-quick: the
# same cases with short windows and few repetitions (under 2 minutes).
bench: install
	$(BIN)/python bench/engine.py $(BENCH_FLAGS)
	$(BIN)/python bench/memory.py $(BENCH_FLAGS)
	$(BIN)/python bench/stream.py $(BENCH_FLAGS)

bench-quick:
	$(MAKE) bench BENCH_FLAGS=--quick

# Students served through nginx by 1 and 2 app processes (needs nginx and redis-server).
bench-cluster: install cluster-tools
	$(BIN)/python bench/cluster.py --workers 1 2

# The real answers and messages in docs/api.md and docs/protocol.md, captured again.
docs: install
	$(BIN)/python scripts/capture_docs.py

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
