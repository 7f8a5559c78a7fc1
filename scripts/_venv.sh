# Shared set-up for scripts/demo and scripts/test: ONE virtualenv (.venv) per checkout, filled in
# two levels. The demo needs only the runtime dependencies (a few seconds to install); the test
# suite tops the same venv up with the dev extras (mypy, pyright, mkdocs, ...: most of the
# download). Sharing it means the demo never waits for the dev tools, and `scripts/test` after
# `scripts/demo` installs only the difference. The venv is rebuilt when pyproject.toml or the
# interpreter changes. Source this file, then call `ensure_venv DIR PYTHON LEVEL`.

# Print what is happening on stderr, so a newcomer sees progress rather than a silent minute.
step() { echo ">> $*" >&2; }

_stamp() {
    # What the venv was built from: pyproject.toml's hash and the interpreter's version.
    echo "$(sha256sum pyproject.toml | cut -d' ' -f1)-$("$1" -c 'import sys; print(sys.version.split()[0])')"
}

_pip_install() {
    # pip install into the venv at $1, one progress line per package (the full output goes to a
    # log, shown when the install fails). Uses the base interpreter's pip with --python when it
    # has one new enough (saves bootstrapping pip into every venv); else the venv's own pip.
    local dir="$1" base="$2"
    shift 2
    local -a pip
    if "$base" -c 'import sys, pip; sys.exit(tuple(map(int, pip.__version__.split(".")[:2])) < (22, 3))' \
        >/dev/null 2>&1; then
        pip=("$base" -m pip --python "$dir/bin/python")
    else
        [[ -x "$dir/bin/pip" ]] || "$dir/bin/python" -m ensurepip --default-pip >>"$dir.install.log" 2>&1
        pip=("$dir/bin/python" -m pip)
    fi
    # One line per package as pip collects it (portable bash, no GNU-only flags), then a count.
    "${pip[@]}" install --disable-pip-version-check --progress-bar off "$@" 2>&1 |
        tee -a "$dir.install.log" |
        while IFS= read -r line; do
            case "$line" in
            "Collecting "*)
                line="${line#Collecting }"
                echo "   collecting ${line%% *}" >&2
                ;;
            "Processing "*.whl*)
                line="${line#Processing }"
                line="${line##*/}"
                echo "   collecting ${line%%-*}" >&2
                ;;
            "Installing collected packages: "*)
                line="${line#*: }"
                echo "   installing $(tr ',' '\n' <<<"$line" | wc -l | tr -d ' ') packages" >&2
                ;;
            esac
        done
    return "${PIPESTATUS[0]}"
}

_runtime_requirements() {
    # The [project] dependencies of pyproject.toml, one per line (tomllib: Python 3.11+).
    "$1" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))'
}

ensure_venv() {
    # LEVEL "runtime": the runtime dependencies only; run the checkout with PYTHONPATH set to it.
    # LEVEL "dev": the project installed editable with its dev extras.
    local dir="$1" python="$2" level="$3"
    local stamp have=""
    stamp="$(_stamp "$python")"
    if [[ -x "$dir/bin/python" ]] && [[ "$(head -n1 "$dir/.pipes-stamp" 2>/dev/null)" == "$stamp" ]]; then
        have="$(sed -n 2p "$dir/.pipes-stamp")"
    fi
    if [[ "$have" == "dev" || "$have" == "$level" ]]; then
        return 0
    fi
    local started=$SECONDS
    if [[ -z "$have" ]]; then
        step "creating $dir with $("$python" --version) (first run, or pyproject.toml changed)"
        rm -rf "$dir" "$dir.install.log"
        "$python" -m venv --without-pip "$dir"
    fi
    local -a what
    if [[ "$level" == "runtime" ]]; then
        mapfile -t what < <(_runtime_requirements "$python")
        step "installing the runtime dependencies: ${what[*]}"
    else
        what=(-e ".[dev]")
        # A developer's venv gets its own pip too (`.venv/bin/pip install ...` is a habit).
        if [[ ! -x "$dir/bin/pip" ]]; then
            "$dir/bin/python" -m ensurepip --default-pip >>"$dir.install.log" 2>&1
        fi
        step "installing the project and its dev tools (mypy, pyright, mkdocs, ...)${have:+ on top of the runtime set}"
    fi
    if ! _pip_install "$dir" "$python" "${what[@]}"; then
        cat "$dir.install.log" >&2
        echo "installing into $dir failed (log above, also in $dir.install.log)" >&2
        rm -rf "$dir"
        return 1
    fi
    printf '%s\n%s\n' "$stamp" "$level" >"$dir/.pipes-stamp"
    step "$dir ready in $((SECONDS - started)) s"
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
