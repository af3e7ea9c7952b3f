import { z } from "zod";
import type { Logger } from "../../log.js";

const httpUrl = z.url({ protocol: /^https?$/ });

/** What a wallet needs from tonconnect-manifest.json to show the shop before connecting. */
const manifestSchema = z.object({
  url: httpUrl,
  name: z.string().trim().min(1),
  // Wallets draw PNG or ICO; an SVG icon is refused by some of them.
  iconUrl: httpUrl.refine((icon) => !/\.svg(\?|#|$)/i.test(icon), "must not be an SVG"),
});

export type ManifestCheck = { ok: true; name: string } | { ok: false; problem: string };

/** Fetches the manifest as a wallet would and says what is wrong with it, if anything. */
export async function checkManifest(url: string, timeoutMs = 10_000): Promise<ManifestCheck> {
  let body: unknown;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { ok: false, problem: `HTTP ${response.status}` };
    body = await response.json();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ok: false, problem: cause ?? (error as Error).message.split("\n")[0] ?? "no answer" };
  }
  const parsed = manifestSchema.safeParse(body);
  if (parsed.success) return { ok: true, name: parsed.data.name };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    problem: `"${String(issue?.path[0] ?? "manifest")}" ${issue?.message ?? "is invalid"}`,
  };
}

/** Said once at start, so a broken manifest is found before the first buyer finds it. */
export async function warnIfManifestUnusable(url: string, log: Logger): Promise<void> {
  const manifest = await checkManifest(url);
  if (!manifest.ok) {
    log.error(
      { manifestUrl: url, problem: manifest.problem },
      "TONCONNECT_MANIFEST_URL does not serve a usable manifest; wallets will refuse to connect",
    );
  }
}
