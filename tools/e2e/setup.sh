#!/usr/bin/env bash
# Installs what the real-editor tests need, outside the repository, and reuses it when present:
# Debian chromium and the libraries code-server's native modules need (apt), and code-server
# itself (npm) in a cache folder. The recipe is the one in VERIFIED.md: code-server's own
# postinstall refuses root and downloads ripgrep from GitHub, so its steps are done here by hand.
#
# Usage: tools/e2e/setup.sh          prints the code-server folder on its last line
# HEARTH_E2E_CACHE overrides the cache folder (default ~/.cache/hearth-e2e).
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
RECIPE=1  # bump when the steps below change, so that old caches are rebuilt
CACHE="${HEARTH_E2E_CACHE:-$HOME/.cache/hearth-e2e}"
DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
STAMP="$DIR/.installed-r$RECIPE"
APT_PACKAGES=(chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)

log() { echo "[e2e setup] $*" >&2; }
fail() { echo "[e2e setup] FAILED: $*" >&2; exit 1; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "apt: installing ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || fail "apt packages missing (${missing[*]}) and not root; install them by hand"
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq || fail "apt-get update"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]}"
fi
[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing after the apt step"
[[ -x /usr/bin/rg ]] || fail "/usr/bin/rg is missing after the apt step"

if [[ ! -f "$STAMP" ]]; then
  log "installing code-server $CODE_SERVER_VERSION into $DIR"
  rm -rf "$DIR"
  mkdir -p "$DIR"
  cd "$DIR"
  echo '{"name":"hearth-e2e-cache","private":true}' > package.json
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"

  # Every package of ./node_modules (scoped ones as @scope/name) but ripgrep, which is linked to /usr/bin/rg.
  packages() {
    local entry name
    for entry in node_modules/* node_modules/@*/*; do
      [[ -f $entry/package.json ]] || continue
      name=${entry#node_modules/}
      [[ $name == @vscode/ripgrep ]] || echo "$name"
    done
  }

  vscode="$DIR/node_modules/code-server/lib/vscode"
  (
    cd "$vscode"
    npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error
    # node-pty's install script runs `npx node-gyp`, hence npm_config_yes.
    mapfile -t native < <(packages node_modules)
    npm_config_yes=true npm rebuild --loglevel=error "${native[@]}"
    mkdir -p node_modules/@vscode/ripgrep/bin
    ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sf code-linux.sh code-server)
    (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
    (cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
  )
  npm_config_yes=true npm rebuild --loglevel=error argon2
  "$DIR/node_modules/.bin/code-server" --version >/dev/null || fail "code-server does not start after install"
  touch "$STAMP"
  log "code-server installed"
fi
echo "$DIR"
