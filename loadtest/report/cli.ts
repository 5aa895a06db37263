/**
 * `npm run report -- RUN.json [OUT.html] [--baseline OTHER.json]`: writes the run's HTML report
 * (default: next to the JSON); with a baseline, that run is drawn beside it with deltas.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseRunResult } from '../record/schema.ts';
import { renderReport } from './html.ts';

const USAGE = 'usage: npm run report -- RUN.json [OUT.html] [--baseline OTHER.json]';

function read(file: string) {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`cannot read ${file}`);
  }
  try {
    return { result: parseRunResult(JSON.parse(text), file), name: path.basename(file, '.json') };
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`${file} is not JSON: ${error.message}`);
    throw error;
  }
}

try {
  const { values, positionals } = parseArgs({ options: { baseline: { type: 'string' } }, allowPositionals: true });
  const [input, output, ...extra] = positionals;
  if (!input || extra.length) throw new Error(USAGE);
  const run = read(input);
  const baseline = values.baseline ? read(values.baseline) : null;
  const out = output ?? input.replace(/\.json$/, '') + '.html';
  fs.writeFileSync(out, renderReport({ ...run, baseline }));
  console.log(`written ${out}`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(message.startsWith('usage:') ? message : `report: ${message}\n${USAGE}`);
  process.exit(2);
}
