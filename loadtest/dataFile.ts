/**
 * The harness's data files (target profiles, scenarios): YAML, validated with zod, named by a shipped
 * name or a path. One reader, so that every such file fails the same way: a DataFileError naming the
 * file and every bad field (the CLI prints it as a usage error, exit 2).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';

/** One line per issue: the field's path in the file and what is wrong with it. */
export function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.map(String).join('.') || '(top)'}: ${i.message}`).join('\n');
}

/** A profile or scenario file that cannot be used: the CLI prints the message as a usage error (exit 2). */
export class DataFileError extends Error {}

/** A YAML file of the harness's (profile, scenario) read and validated; the error names the file and every bad field. */
export function readYamlFile<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new DataFileError(`${what} ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const parsed = schema.safeParse(doc);
  if (!parsed.success) throw new DataFileError(`${what} ${file} is invalid:\n${issuesOf(parsed.error)}`);
  return parsed.data;
}

/** The names of the YAML files shipped in a folder (`flash-sale` for flash-sale.yaml), sorted. */
export function shippedIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A name shipped in `dir` (`seckill-rocketmq`) or a file path; `what` is the flag, for the error. */
export function resolveYaml(nameOrFile: string, dir: string, what: string): string {
  if (/^[a-z0-9-]+$/.test(nameOrFile)) {
    const file = path.join(dir, `${nameOrFile}.yaml`);
    if (fs.existsSync(file)) return file;
    throw new DataFileError(`${what} ${nameOrFile}: no such shipped one (${shippedIn(dir).join(', ')}) and not a file`);
  }
  if (!fs.existsSync(nameOrFile)) throw new DataFileError(`${what} ${nameOrFile}: no such file`);
  return nameOrFile;
}
