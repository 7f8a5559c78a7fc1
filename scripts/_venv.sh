# Shared set-up for scripts/demo and scripts/test: a virtualenv per Python, reinstalled
# only when pyproject.toml changes. Source it, then call `ensure_venv DIR PYTHON`.
ensure_venv() {
    local dir="$1" python="$2"
    local stamp
    stamp="$(sha256sum pyproject.toml | cut -d' ' -f1)-$("$python" -c 'import sys; print(sys.version.split()[0])')"
    if [[ ! -x "$dir/bin/python" ]] || [[ "$(cat "$dir/.pipes-stamp" 2>/dev/null)" != "$stamp" ]]; then
        echo ">> setting up $dir with $("$python" --version)" >&2
        rm -rf "$dir"
        "$python" -m venv "$dir"
        # pip's output goes to a log, shown only when the install fails.
        if ! { "$dir/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
            "$dir/bin/python" -m pip install --disable-pip-version-check -e ".[dev]"; } \
            >"$dir.install.log" 2>&1; then
            cat "$dir.install.log" >&2
            echo "installing into $dir failed (log above, also in $dir.install.log)" >&2
            rm -rf "$dir"
            return 1
        fi
        echo "$stamp" > "$dir/.pipes-stamp"
    fi
}

find_python() {
    # The first interpreter of at least 3.11 that actually runs, among the names or paths given
    # (a pyenv shim may exist for a version that is not selected, so `command -v` is not enough).
    local candidate
    for candidate in "$@"; do
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

find_python313() {
    # Python 3.13 on PATH, else one installed by pyenv but not selected.
    local root
    root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
    find_python python3.13 "$root"/versions/3.13*/bin/python3.13
}
