// Worker-thread entry for TransactionDecoder run from the TypeScript sources: register tsx first.
// The build needs none of this; its workers load decode-task.js.
//
// No top-level await: piscina loads a worker's file with require() first, and Node 20's
// require() of an ES module whose graph awaits at the top can abort the whole process
// ("v8::Module::IsGraphAsync must be used on an instantiated module") instead of throwing.
import { register } from "tsx/esm/api";

register();
const loading = import("./decode-task.ts").then((module) => module.default);
// Seen by the first task, which then fails with the reason; never an unhandled rejection.
loading.catch(() => undefined);

export default async function decodePage(input) {
  return (await loading)(input);
}
