#!/usr/bin/env bash
# Regenerate docs/demo-issue.png: the demo organization's compliance issue as GitHub shows it.
# The Markdown is what `orgcheck scan --org` publishes from a GitHub Actions run (so policy
# lines link) on its fifth run; cmark-gfm renders it, Mermaid draws its trend, GitHub's Markdown
# CSS styles it, headless Chromium takes the picture at GitHub's 1280 px.
# Needs: Debian's chromium and fonts-noto-color-emoji (apt-get install), Python 3, npm. Tools go under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/screenshot
mkdir -p "$work"
[ -x "$work/venv/bin/pip" ] || python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check cmarkgfm==2025.10.22 pillow==11.3.0
[ -f "$work/node_modules/github-markdown-css/package.json" ] ||
  npm install --silent --prefix "$work" github-markdown-css@5.9.0 >/dev/null
[ -d tests/support/mermaid/node_modules/mermaid ] || npm ci --silent --prefix tests/support/mermaid

# The issue after five weekly runs of the demo organization, published to the fake GitHub
# through the release's own path (tests/issue_report.rs), so the first screen has its trend.
ORGCHECK_PYTHON="$PWD/$work/venv/bin/python" ORGCHECK_DEMO_ISSUE="$PWD/$work/issue.md" cargo test --quiet --locked --test issue_report \
  the_demo_organization_over_five_runs_shows_its_trend >/dev/null
# The footer's duration differs on every run; the picture should not.
sed -i -E 's/scanned in [0-9.]+ s/scanned in 0.1 s/' "$work/issue.md"

"$work/venv/bin/python" docs/issue_page.py "$work/issue.md" \
  "$work/node_modules/github-markdown-css/github-markdown-light.css" \
  "CI compliance report: demo-org" tests/support/mermaid/node_modules/mermaid/dist/mermaid.min.js \
  >"$work/issue.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --virtual-time-budget=10000 --user-data-dir="$(mktemp -d)" --window-size=1280,4000 \
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
