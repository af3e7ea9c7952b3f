import { createCallbackData } from "callback-data";

/** Everything a button can say. Users can send any callback data, so handlers re-check it all. */
export const productData = createCallbackData("product", { id: String });
export const quantityData = createCallbackData("qty", { id: String, quantity: Number });
export const buyData = createCallbackData("buy", { id: String, quantity: Number, method: String });
export const checkOrderData = createCallbackData("check", { orderId: String });
export const languageData = createCallbackData("lang", { code: String });
export const shopData = createCallbackData("shop", {});
export const adminData = createCallbackData("adm", { view: String });
/** TON Connect: connect, pay (an order) or disconnect; orderId is "" when there is none. */
export const walletData = createCallbackData("wallet", { action: String, orderId: String });
