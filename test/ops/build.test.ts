import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function run(command: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      command,
      args,
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function builtFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

// A build of its own (dist-…, gitignored), so a dist/ someone runs is left alone.
let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(ROOT, "dist-test-"));
});

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe("the production build", () => {
  it("npm run build, then start:prod's command without BOT_TOKEN runs the walkthrough on plain node and exits 0", async () => {
    const build = await run("npm", ["run", "build", "--", "--out-dir", outDir], {});
    expect(build.code, build.stderr).toBe(0);

    const files = await builtFiles(outDir);
    const at = (path: string) => relative(outDir, path).split("\\").join("/");
    expect(files.map(at)).toEqual(
      expect.arrayContaining([
        "main.js",
        "payments/ton/decode-task.js",
        "bot/locales/en.ftl",
        "bot/locales/ru.ftl",
        "bot/locales/zh.ftl",
      ]),
    );
    expect(files.filter((path) => path.endsWith(".ts"))).toEqual([]);
    const withTsx: string[] = [];
    for (const path of files) {
      if (/["']tsx(\/[^"']*)?["']/.test(await readFile(path, "utf8"))) withTsx.push(at(path));
    }
    expect(withTsx).toEqual([]);

    // start:prod's own command, with this build in place of dist/.
    const { scripts } = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    const [command, ...args] = (scripts["start:prod"] ?? "").split(" ");
    expect(command).toBe("node");
    expect(args).toContain("dist/main.js");
    const ownArgs = args.map((arg) =>
      arg.startsWith("dist/") ? join(relative(ROOT, outDir), arg.slice("dist/".length)) : arg,
    );

    const shop = await run(process.execPath, ownArgs, {});
    expect(shop.stdout).not.toContain("✗");
    expect(shop.stdout).toContain("Every step held.");
    expect(shop.code, shop.stderr).toBe(0);
  }, 300_000);
});
