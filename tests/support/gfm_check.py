"""Render Markdown the way GitHub does (cmark-gfm, through the cmarkgfm bindings) and check
what a reader sees. Used by tests/issue_report.rs.

Usage: gfm_check.py MARKDOWN_FILE NAMES_FILE MAX_COLUMNS
NAMES_FILE holds one repository name per line that the rendered text must show.
Prints one line per problem and exits 1 when there are any; prints a JSON summary otherwise.
"""

import html.parser
import json
import sys

import cmarkgfm
from cmarkgfm.cmark import Options


class Reader(html.parser.HTMLParser):
    """Collects table widths, visible text (outside code), and link targets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.code = 0
        self.cell = 0
        self.text = []
        self.code_text = []
        # Code outside table cells: there GFM shows a `\|` as it is, backslash and all.
        self.loose_code_text = []
        self.rows = []
        self.cells = None
        self.links = []
        self.tables = 0

    def handle_starttag(self, tag, attrs):
        if tag == "code":
            self.code += 1
        elif tag == "tr":
            self.cells = 0
        elif tag in ("td", "th") and self.cells is not None:
            self.cells += 1
            self.cell += 1
        elif tag == "table":
            self.tables += 1
        elif tag == "a":
            self.links.append(dict(attrs).get("href", ""))

    def handle_endtag(self, tag):
        if tag == "code":
            self.code -= 1
        elif tag in ("td", "th"):
            self.cell = max(0, self.cell - 1)
        elif tag == "tr" and self.cells is not None:
            self.rows.append(self.cells)
            self.cells = None

    def handle_data(self, data):
        (self.code_text if self.code else self.text).append(data)
        if self.code and not self.cell:
            self.loose_code_text.append(data)


def main():
    markdown = open(sys.argv[1], encoding="utf-8").read()
    names = [n for n in open(sys.argv[2], encoding="utf-8").read().splitlines() if n]
    max_columns = int(sys.argv[3])
    # GitHub keeps the HTML orgcheck writes (<details>, <sub>, <br>) and filters dangerous tags.
    rendered = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    reader = Reader()
    reader.feed(rendered)
    # Zero-width spaces break mentions; a reader does not see them.
    text = "".join(reader.text).replace("\u200b", "")
    everything = text + "".join(reader.code_text)
    problems = []
    widest = max(reader.rows, default=0)
    if widest > max_columns:
        problems.append(f"a table is {widest} columns wide (at most {max_columns})")
    # A backslash a reader sees where an escape was meant: before any ASCII punctuation in
    # text, in tables and lists alike (GFM consumes an escape it understands, so one left
    # visible was written where it does not apply), or before `|` in code outside a table
    # (only table rows unescape it there). The fixtures' own text has no backslash before
    # punctuation, so any is an escaping artifact.
    loose_code = "".join(reader.loose_code_text)
    punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    for where, shown, chars in (("text", text, punctuation), ("code outside a table", loose_code, "|")):
        at = next((i for i in range(len(shown) - 1) if shown[i] == "\\" and shown[i + 1] in chars), None)
        if at is not None:
            problems.append(f"a visible backslash in {where}: …{shown[max(0, at - 60):at + 20]!r}")
    missing = [n for n in names if n not in everything]
    if missing:
        problems.append(f"{len(missing)} repositories not named, e.g. {missing[:5]}")
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(json.dumps({"tables": reader.tables, "widest": widest, "names": len(names),
                      "links": len(reader.links), "html_bytes": len(rendered)}))


main()
