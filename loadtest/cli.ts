/** `npm run load -- [options]`: see --help. Exit 0 = audit and thresholds passed, 1 = failed, 2 = bad usage/error, 130 = interrupted. */
import { HELP, parseArgs } from './options.ts';
import { summaryTable } from './report/summary.ts';
import { Interrupted, runLoad } from './run/runLoad.ts';
import { verdictOf } from './verdict/verdict.ts';

const argv = process.argv.slice(2);
let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs(argv);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
try {
  const { result, file } = await runLoad(parsed.options, argv, (line) => console.error(line));
  console.log(summaryTable(result, file));
  process.exit(verdictOf(result).passed ? 0 : 1);
} catch (error) {
  console.error(`load run failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof Interrupted ? 130 : 2);
}
