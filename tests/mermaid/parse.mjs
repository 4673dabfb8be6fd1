// node tests/mermaid/parse.mjs FILE.md ...: Mermaid's own parser (mermaid.parse) on every
// ```mermaid block of the pages; prints each block that does not parse, exits 1 if any.
// Needs mermaid and jsdom in tests/mermaid/node_modules (cd tests/mermaid && npm install).
import { JSDOM } from 'jsdom';
import fs from 'fs';

const dom = new JSDOM('<!DOCTYPE html><body></body>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
let bad = 0, n = 0;
for (const f of process.argv.slice(2)) {
  const re = /```mermaid\n([\s\S]*?)```/g;
  const text = fs.readFileSync(f, 'utf8');
  for (let m; (m = re.exec(text)) !== null;) {
    n++;
    try {
      await mermaid.parse(m[1]);
    } catch (e) {
      bad++;
      console.error(`${f}: diagram ${n}: ${String(e.message || e).split('\n').slice(0, 4).join(' / ')}`);
    }
  }
}
if (n === 0) {
  console.error('no ```mermaid block');
  bad = 1;
}
console.log(`${n} diagrams parsed, ${bad} failed`);
process.exit(bad ? 1 : 0);
