// Validate Mermaid diagrams with Mermaid's own parser, as GitHub renders them: every file
// named on the command line holds one diagram (front matter included). Prints `ok` per file,
// or the parser's error and exits 1.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

let failed = false;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  try {
    const parsed = await mermaid.parse(text);
    console.log(`ok ${file} ${parsed.diagramType}`);
  } catch (e) {
    failed = true;
    console.log(`invalid ${file}: ${String(e.message).split('\n').slice(0, 3).join(' ')}`);
  }
}
process.exit(failed ? 1 : 0);
