"""Turn a compliance issue's Markdown into a page that looks like the issue on GitHub: rendered
by cmark-gfm (GitHub's renderer, via cmarkgfm), GitHub's alert blocks, GitHub's Markdown CSS
(the github-markdown-css package), in an issue comment's frame, with ```mermaid blocks drawn by
Mermaid as GitHub draws them. Used by docs/screenshot.sh.

Usage: issue_page.py ISSUE.md GITHUB_MARKDOWN_CSS TITLE [MERMAID_MIN_JS] > page.html
"""

import html
import re
import sys

import cmarkgfm
from cmarkgfm.cmark import Options

ALERT = re.compile(r"<blockquote>\s*<p>\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*")


def alerts(body):
    """GitHub renders `> [!CAUTION]` blockquotes as alerts; cmark-gfm leaves them quotes."""
    out, at = [], 0
    for m in ALERT.finditer(body):
        kind = m.group(1).lower()
        end = body.index("</blockquote>", m.end())
        out.append(body[at:m.start()])
        out.append(f'<div class="markdown-alert markdown-alert-{kind}">'
                   f'<p class="markdown-alert-title">{kind.capitalize()}</p><p>')
        out.append(body[m.end():end])
        out.append("</div>")
        at = end + len("</blockquote>")
    out.append(body[at:])
    return "".join(out)


MERMAID = re.compile(r'<pre lang="mermaid"><code>(.*?)</code></pre>|'
                     r'<pre><code class="language-mermaid">(.*?)</code></pre>', re.S)


def diagrams(body, script):
    """GitHub draws ```mermaid blocks; the page does too when given Mermaid's script."""
    if not script:
        return body
    body = MERMAID.sub(lambda m: f'<pre class="mermaid">{m.group(1) or m.group(2)}</pre>', body)
    js = open(script, encoding="utf-8").read().replace("</script", "<\\/script")
    return (body + f"<script>{js}</script>"
            "<script>mermaid.initialize({startOnLoad: true, theme: 'default'});</script>")


def main():
    markdown = open(sys.argv[1], encoding="utf-8").read()
    css = open(sys.argv[2], encoding="utf-8").read()
    title = html.escape(sys.argv[3])
    script = sys.argv[4] if len(sys.argv) > 4 else None
    rendered = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    body = diagrams(alerts(rendered), script)
    print(f"""<!doctype html><meta charset="utf-8"><style>{css}
body {{ margin: 0; background: #fff; font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }}
.page {{ max-width: 912px; margin: 24px auto; }}
h1.title {{ font-size: 32px; font-weight: 400; margin: 0 0 16px; color: #1f2328; }}
.comment {{ border: 1px solid #d0d7de; border-radius: 6px; }}
.head {{ background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px; font-size: 14px; color: #59636e; border-radius: 6px 6px 0 0; }}
.markdown-body {{ padding: 16px 24px; font-size: 14px; }}
</style><div class="page"><h1 class="title">{title}</h1><div class="comment">
<div class="head"><b style="color:#1f2328">github-actions</b> <span>bot</span> opened this issue</div>
<article class="markdown-body">{body}</article></div></div>""")


main()
