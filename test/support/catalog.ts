import { fileURLToPath } from "node:url";
import { type Catalog, loadCatalog, type Product } from "../../src/catalog/catalog.js";

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
