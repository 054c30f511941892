# Source this file from the repository's root: `. scripts/setup.sh`
# It puts Node.js 22 on PATH when the machine's Node is older than 22.18 (from the npm package
# node@22, which carries a real Node 22 binary), then installs the dependencies and builds.
# Sourced, so it changes the calling shell's PATH and must not exit it.
traced_api_node_ok() {
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)' 2>/dev/null
}
if ! traced_api_node_ok; then
  TRACED_API_NODE_DIR="${TRACED_API_NODE_DIR:-$HOME/.cache/traced-api/node22}"
  if [ ! -x "$TRACED_API_NODE_DIR/node_modules/node/bin/node" ]; then
    echo "setup: Node $(node --version 2>/dev/null || echo none) is older than 22.18; installing node@22 into $TRACED_API_NODE_DIR"
    mkdir -p "$TRACED_API_NODE_DIR"
    npm install --prefix "$TRACED_API_NODE_DIR" --no-save --no-audit --no-fund --loglevel=error node@22
  fi
  export PATH="$TRACED_API_NODE_DIR/node_modules/node/bin:$PATH"
  echo "setup: Node 22 is on PATH in this shell only. To keep it in every new shell, add this line to ~/.profile (or ~/.bashrc):"
  echo "         export PATH=\"$TRACED_API_NODE_DIR/node_modules/node/bin:\$PATH\""
  echo "       or keep Node 22 with a version manager (nvm install 22 && nvm alias default 22)."
fi
echo "setup: using Node $(node --version) from $(command -v node)"
npm ci --no-audit --no-fund --loglevel=error && npm run build --silent
