/** `npm run report -- RUN.json [OUT.html]`: writes the run's HTML report (default: next to the JSON). */
import fs from 'node:fs';
import path from 'node:path';
import { parseRunResult } from '../record/schema.ts';
import { renderReport } from './html.ts';

const [input, output] = process.argv.slice(2);
if (!input) {
  console.error('usage: npm run report -- RUN.json [OUT.html]');
  process.exit(2);
}
try {
  const result = parseRunResult(JSON.parse(fs.readFileSync(input, 'utf8')), input);
  const out = output ?? input.replace(/\.json$/, '') + '.html';
  fs.writeFileSync(out, renderReport(result, path.basename(input, '.json')));
  console.log(`written ${out}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
