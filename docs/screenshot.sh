#!/usr/bin/env bash
# Regenerate docs/demo-issue.png: the demo organization's compliance issue as GitHub shows it.
# The Markdown is what `orgcheck scan` publishes (as in a GitHub Actions run, so policy lines
# link); cmark-gfm renders it, GitHub's Markdown CSS styles it, headless Chromium takes the
# picture at GitHub's 1280 px.
# Needs: Debian's chromium (apt-get install chromium), Python 3, npm. Tools go under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/screenshot
mkdir -p "$work"
[ -x "$work/venv/bin/pip" ] || python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check cmarkgfm==2025.10.22 pillow==11.3.0
[ -f "$work/node_modules/github-markdown-css/package.json" ] ||
  npm install --silent --prefix "$work" github-markdown-css@5.9.0 >/dev/null
cargo build --quiet --release --locked

set +e
ORGCHECK_TODAY=2026-11-30 GITHUB_ACTIONS=true GITHUB_REPOSITORY=acme/platform GITHUB_RUN_ID=1 \
  GITHUB_SERVER_URL=https://github.com GITHUB_SHA=0123456789abcdef0123456789abcdef01234567 \
  GITHUB_STEP_SUMMARY= GITHUB_OUTPUT= \
  target/release/orgcheck scan --local examples/demo-org --policy policy.example.toml --no-issue \
  --quiet >"$work/issue.md"
rc=$?
set -e
[ "$rc" -le 1 ] || { echo "orgcheck failed ($rc)" >&2; exit 1; }
# The footer's duration differs on every run; the picture should not.
sed -i -E 's/scanned in [0-9.]+ s/scanned in 0.1 s/' "$work/issue.md"

"$work/venv/bin/python" docs/issue_page.py "$work/issue.md" \
  "$work/node_modules/github-markdown-css/github-markdown-light.css" \
  "CI compliance report: demo-org" >"$work/issue.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$(mktemp -d)" --window-size=1280,4000 \
  --screenshot="$PWD/$work/full.png" "file://$PWD/$work/issue.html" 2>/dev/null
# Cut the empty page below the issue.
"$work/venv/bin/python" - "$work/full.png" docs/demo-issue.png <<'PY'
import sys
from PIL import Image, ImageChops
img = Image.open(sys.argv[1]).convert("RGB")
bg = Image.new("RGB", img.size, (255, 255, 255))
box = ImageChops.difference(img, bg).getbbox()
img.crop((0, 0, img.width, min(img.height, box[3] + 24))).save(sys.argv[2], optimize=True)
PY
echo "docs/demo-issue.png: $(python3 -c 'import struct; d=open("docs/demo-issue.png","rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))')"
