/**
 * `npm run load -- [options]`: see --help. Exit codes (loadtest/verdict/verdict.ts): 0 passed,
 * 1 audit breach, 99 a threshold crossed, 2 usage error, 3 could not run, 130 interrupted.
 */
import { HELP, parseArgs } from './options.ts';
import { summaryTable } from './report/summary.ts';
import { Interrupted, runLoad } from './run/runLoad.ts';
import { UsageError } from './verdict/thresholds.ts';
import { ExitCode, verdictOf } from './verdict/verdict.ts';

const argv = process.argv.slice(2);
let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs(argv);
} catch (error) {
  console.error(error instanceof UsageError ? error.message : `usage error: ${String(error)}`);
  process.exit(ExitCode.USAGE);
}
if (parsed.help) {
  process.stdout.write(HELP);
  process.exit(ExitCode.PASSED);
}
try {
  const { result, file } = await runLoad(parsed.options, argv, (line) => console.error(line));
  console.log(summaryTable(result, file));
  process.exit(verdictOf(result).exitCode);
} catch (error) {
  if (error instanceof Interrupted) {
    console.error(error.message);
    process.exit(ExitCode.INTERRUPTED);
  }
  // Nothing was measured: one line says why (a start failure adds the service's last output below it).
  const message = error instanceof Error ? error.message : String(error);
  console.error(`could not run: ${message}`);
  process.exit(ExitCode.COULD_NOT_RUN);
}
