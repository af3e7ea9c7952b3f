// Worker-thread entry for TransactionDecoder run from the TypeScript sources: register tsx first.
// The build needs none of this; its workers load decode-task.js.
import { register } from "tsx/esm/api";

register();
const { default: decodePage } = await import("./decode-task.ts");

export default decodePage;
