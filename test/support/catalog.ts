import { fileURLToPath } from "node:url";
import { type Catalog, loadCatalog, type Product } from "../../src/catalog/catalog.js";
import { writeCatalogFile } from "../../src/sandbox/catalog.js";

/** catalog.example.json as the shop loads it, with card prices in USD. */
export const exampleCatalog: Catalog = await loadCatalog(
  fileURLToPath(new URL("../../catalog.example.json", import.meta.url)),
  { fiatCurrency: "USD" },
);

/** One product of the example catalog; a test that names a missing one fails at once. */
export function exampleProduct(id: string): Product {
  const found = exampleCatalog.find(id);
  if (!found) throw new Error(`${id} missing from catalog.example.json`);
  return found;
}

/**
 * The catalog the USDT suites sell from, written to a file of its own: a mug priced in Gram and
 * USDT, and a cap priced in USDT alone, each delivered as "Thanks for the <id>". Its path.
 */
export async function usdtCatalogFile(): Promise<string> {
  const product = (id: string, title: string, prices: Record<string, string>) => ({
    id,
    kind: "physical",
    title,
    description: `A ${id}`,
    prices,
    delivery: { type: "text", text: `Thanks for the ${id}` },
  });
  const file = await writeCatalogFile({
    products: [
      product("mug", "TON mug", { gram: "3.25", usdt: "12.5" }),
      product("cap", "Dollar cap", { usdt: "20" }),
    ],
  });
  return file.path;
}
