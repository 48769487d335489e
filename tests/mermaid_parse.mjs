// Parse every ```mermaid block of a Markdown file with the real Mermaid parser (mermaid.parse, in node with jsdom);
// prints one {ok, type | error} per block as JSON. Used by tests/test_render_chain.py.
import { JSDOM } from "jsdom";
import fs from "node:fs";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window; globalThis.document = dom.window.document;
try { globalThis.navigator = dom.window.navigator; } catch (e) {}
globalThis.DOMParser = dom.window.DOMParser; globalThis.Element = dom.window.Element;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
const text = fs.readFileSync(process.argv[2], "utf8");
const results = [];
for (const m of text.matchAll(/```mermaid\n([\s\S]*?)\n```/g)) {
  try { const r = await mermaid.parse(m[1]); results.push({ ok: true, type: r.diagramType }); }
  catch (e) { results.push({ ok: false, error: String(e.message || e).slice(0, 500) }); }
}
console.log(JSON.stringify(results));
