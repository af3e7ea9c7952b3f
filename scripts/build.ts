/**
 * `npm run build`: the shop as plain JavaScript, for `npm run start:prod`. The emulators package
 * goes to packages/emulators/dist (the offline sandbox runs on it), then src/ to dist/, or to
 * `--out-dir DIR`: a folder named dist… inside the project, where Node finds node_modules.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { cp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EMULATORS = join(ROOT, "packages", "emulators");
/** Files the shop reads beside its code (through import.meta.url), copied from src/. */
const ASSETS = ["bot/locales"];

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

async function compile(project: string, ...args: string[]): Promise<void> {
  const child = spawn(process.execPath, [tsc, "-p", project, ...args], { stdio: "inherit" });
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`tsc -p ${relative(ROOT, project)} failed`);
}

function outDirOf(option: string | undefined): string {
  const outDir = resolve(option ?? join(ROOT, "dist"));
  const top = relative(ROOT, outDir).split(sep)[0] ?? "";
  if (!top.startsWith("dist")) {
    throw new Error(`--out-dir must be a folder named dist… inside ${ROOT}, not ${outDir}`);
  }
  return outDir;
}

async function build(outDir: string): Promise<void> {
  await compile(join(EMULATORS, "tsconfig.build.json"));
  // Emptied first, so no module of a renamed source lingers. (The emulators' dist is only
  // overwritten: a build running beside this one may be reading it.)
  await rm(outDir, { recursive: true, force: true });
  await compile(join(ROOT, "tsconfig.build.json"), "--outDir", outDir);
  for (const asset of ASSETS) {
    await cp(join(ROOT, "src", asset), join(outDir, asset), { recursive: true });
  }
}

try {
  const { values } = parseArgs({ options: { "out-dir": { type: "string" } } });
  const outDir = outDirOf(values["out-dir"]);
  await build(outDir);
  process.stdout.write(`built ${relative(ROOT, outDir)}/\n`);
} catch (error) {
  process.stderr.write(`build: ${(error as Error).message}\n`);
  process.exit(1);
}
