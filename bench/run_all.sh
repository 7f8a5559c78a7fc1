#!/usr/bin/env bash
# Run every benchmark: ours (bench/bench_*.py with the project's .venv), then LangChain's
# (bench/langchain/bench_langchain.py) when its virtualenv exists, so both are measured in the
# same session. Results land in bench/results/*.json. Extra arguments (e.g. --quick) are passed
# to every script.
#
#   bench/run_all.sh            # full runs (about 3 minutes on 2 cores)
#   bench/run_all.sh --quick    # smoke run
#   LANGCHAIN_PYTHON=/path/to/python bench/run_all.sh
#
# LangChain's virtualenv (git-ignored):
#   python3 -m venv bench/.venv-langchain
#   bench/.venv-langchain/bin/pip install langchain-core langchain-openai
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
langchain_py="${LANGCHAIN_PYTHON:-bench/.venv-langchain/bin/python}"

echo ">> load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
for script in bench/bench_*.py; do
    echo ">> $script" >&2
    "$py" "$script" "$@"
    echo
done
if [[ -x "$langchain_py" ]] && "$langchain_py" -c "import langchain_openai" 2>/dev/null; then
    echo ">> bench/langchain/bench_langchain.py ($langchain_py)" >&2
    "$langchain_py" bench/langchain/bench_langchain.py "$@"
else
    echo ">> LangChain skipped: $langchain_py has no langchain_openai (see the header of $0)" >&2
fi
echo ">> load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
