export { type Deliverer, DeliveryFailed, DeliveryRejected, OutOfStock } from "./deliverer.js";
export { StockPool, type StockPoolOptions } from "./stock.js";
export {
  MerchantWebhook,
  type MerchantWebhookOptions,
  signWebhook,
  verifyWebhookSignature,
  type WebhookEvent,
  type WebhookHeaders,
  webhookEvent,
} from "./webhook.js";
export { FulfilmentWorker, type FulfilmentWorkerOptions } from "./worker.js";
