# Sourced by the shell tools: sets PYTHON to the interpreter with this
# repository's stack. Order: $PYTHON if set; the repository's .venv (what
# tools/install.sh creates); `python` on the PATH. Stops with a message when
# that interpreter has no torch.
_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$_ROOT/.venv/bin/python" ]; then
    PYTHON="$_ROOT/.venv/bin/python"
  else
    PYTHON=python
  fi
fi
if ! "$PYTHON" -c "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is None)" 2>/dev/null; then
  echo "torch cannot be imported with '$PYTHON'. Install the stack with" \
       "\`bash tools/install.sh\` (it creates $_ROOT/.venv, which the tools" \
       "then use), or set PYTHON=/path/to/python of an env that has it." >&2
  exit 1
fi
