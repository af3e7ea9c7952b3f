import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/**
 * What the sandbox's shop asks in USDT when it runs test USDT, on top of the merchant's example
 * catalog. catalog.example.json itself has no usdt price: a testnet shop has no USDT master.
 */
export const SANDBOX_USDT_PRICES: Readonly<Record<string, string>> = { "ton-guide": "5" };

/** A catalog file of the sandbox's own, in a temporary folder that `remove` deletes. */
export interface CatalogFile {
  path: string;
  remove(): Promise<void>;
}

/** `catalog`, as a catalog file's JSON, written to a file of its own. */
export async function writeCatalogFile(catalog: unknown): Promise<CatalogFile> {
  const dir = await mkdtemp(join(tmpdir(), "tpb-catalog-"));
  const path = join(dir, "catalog.json");
  await writeFile(path, `${JSON.stringify(catalog, null, 2)}\n`);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

interface RawProduct {
  id?: unknown;
  prices?: Record<string, unknown>;
  delivery?: { type?: unknown; path?: unknown };
}

/**
 * The catalog at `path` with `prices` added as usdt prices, product by product, written to a
 * file of its own. The catalog at `path` stays the one source of everything else; a product
 * that `prices` names and the catalog lacks is an error.
 */
export async function withUsdtPrices(
  path: string,
  prices: Readonly<Record<string, string>> = SANDBOX_USDT_PRICES,
): Promise<CatalogFile> {
  const catalog = JSON.parse(await readFile(path, "utf8")) as { products?: RawProduct[] };
  const products = catalog.products ?? [];
  for (const [id, usdt] of Object.entries(prices)) {
    const product = products.find((p) => p.id === id);
    if (!product) throw new Error(`catalog: ${path} has no product "${id}" to price in USDT`);
    product.prices = { ...product.prices, usdt };
  }
  // A file to deliver is named relative to its catalog, which now lives elsewhere.
  for (const { delivery } of products) {
    if (delivery?.type === "file" && typeof delivery.path === "string")
      delivery.path = resolve(dirname(path), delivery.path);
  }
  return writeCatalogFile(catalog);
}
