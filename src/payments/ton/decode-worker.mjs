// Worker-thread entry for TransactionDecoder: the decoder is TypeScript, so register tsx first.
import { register } from "tsx/esm/api";

register();
const { default: decodePage } = await import("./decode-task.ts");

export default decodePage;
