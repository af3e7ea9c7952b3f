import { describe, expect, it } from "vitest";
import {
  adminData,
  agreeData,
  buyData,
  checkOrderData,
  languageData,
  menuData,
  productData,
  quantityData,
  shopData,
  walletData,
} from "../../src/bot/callback-data.js";

describe("callback data", () => {
  it("reads back what our buttons carry", () => {
    const buy = { id: "mug", quantity: 1000, method: "stars" } as const;
    expect(buyData.read(buyData.pack(buy))).toEqual(buy);
    expect(quantityData.read(quantityData.pack({ id: "a-b_1", quantity: 1 }))).toEqual({
      id: "a-b_1",
      quantity: 1,
    });
    expect(productData.read(productData.pack({ id: "mug" }))).toEqual({ id: "mug" });
    expect(checkOrderData.read(checkOrderData.pack({ orderId: "ord_7k3m9q2d4e5f" }))).toEqual({
      orderId: "ord_7k3m9q2d4e5f",
    });
    expect(languageData.read(languageData.pack({ code: "zh" }))).toEqual({ code: "zh" });
    expect(shopData.read(shopData.pack({}))).toEqual({});
    expect(adminData.read(adminData.pack({ view: "export" }))).toEqual({ view: "export" });
    const none = { action: "disconnect", orderId: "" } as const;
    expect(walletData.read(walletData.pack(none))).toEqual(none);
    expect(menuData.read(menuData.pack({ open: "support" }))).toEqual({ open: "support" });
  });

  it("carries the longest terms version and a pending purchase's reference within 64 bytes", () => {
    const agree = { version: "v".repeat(32), ref: "0a1b2c3d" };
    const data = agreeData.pack(agree);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(agreeData.read(data)).toEqual(agree);
    expect(agreeData.read(agreeData.pack({ version: "default", ref: "" }))).toEqual({
      version: "default",
      ref: "",
    });
    // A version no catalog could hold, or a reference of another shape, reads as nothing.
    for (const bad of [
      { version: "v".repeat(33), ref: "" },
      { version: "a b", ref: "" },
      { version: "v1", ref: "0A1B2C3D" },
      { version: "v1", ref: "0a1b2c3" },
    ]) {
      expect(agreeData.read(agreeData.pack(bad)), JSON.stringify(bad)).toBeUndefined();
    }
    expect(menuData.read(menuData.pack({ open: "admin" as "shop" }))).toBeUndefined();
  });

  it("reads a quantity only as a whole number from 1 to the catalog's limit", () => {
    const read = (quantity: string) => buyData.read(`buy:mug:ton:${quantity}`)?.quantity;
    expect(read("1")).toBe(1);
    expect(read("1000")).toBe(1000);
    for (const bad of ["", "0", "-1", "+1", "1.5", "1e3", "0x10", "07", " 7", "7 ", "NaN"]) {
      expect(read(bad), JSON.stringify(bad)).toBeUndefined();
    }
    for (const bad of ["Infinity", "1001", "9007199254740993", "3abc", "٣"]) {
      expect(read(bad), bad).toBeUndefined();
    }
  });

  it("reads nothing from data with another prefix, a field too many or too few", () => {
    for (const data of [
      "",
      ":",
      "buy",
      "buy:mug:ton",
      "buy:mug:ton:1:x",
      "buy::ton:1",
      "BUY:mug:ton:1",
      "sell:mug:ton:1",
      "shop:",
      "product:Mug",
      "product:mug;drop",
      "check:",
      "check:a b",
      "lang:de",
      "adm:shutdown",
      "wallet:pay",
      "wallet:steal:ord_1",
    ]) {
      const read = [buyData, productData, shopData, checkOrderData, languageData, adminData]
        .map((button) => button.read(data))
        .concat(walletData.read(data), quantityData.read(data));
      expect(read, JSON.stringify(data)).toEqual(read.map(() => undefined));
    }
  });

  it("reads nothing from more than Telegram's 64 bytes", () => {
    const id = "a".repeat(40);
    const fits = `buy:${id}:stars:1000`;
    expect(buyData.read(fits)).toBeDefined();
    // 64 characters, but more than 64 bytes once encoded.
    expect(productData.read(`product:${"ё".repeat(30)}`)).toBeUndefined();
    expect(checkOrderData.read(`check:${"x".repeat(59)}`)).toBeUndefined();
  });
});
