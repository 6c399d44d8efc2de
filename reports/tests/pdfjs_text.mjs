// Prints what pdf.js (Firefox's PDF viewer) reads from a PDF, as JSON:
// {"version": "5.6.205", "pages": ["text of page 1", ...]}.
// Each page's text is its getTextContent() items in order, a new line after an item
// that ends a line, as the viewer's text layer (copy, find) is built from them.
// Usage: node reports/tests/pdfjs_text.mjs FILE.pdf   (pdfjs-dist from `npm ci`)
import { readFileSync } from "node:fs";
import { getDocument, version } from "pdfjs-dist/legacy/build/pdf.mjs";

const data = new Uint8Array(readFileSync(process.argv[2]));
const doc = await getDocument({ data, useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
const pages = [];
for (let n = 1; n <= doc.numPages; n++) {
  const page = await doc.getPage(n);
  const content = await page.getTextContent();
  pages.push(content.items.map((item) => (item.str ?? "") + (item.hasEOL ? "\n" : "")).join(""));
}
process.stdout.write(JSON.stringify({ version, pages }));
