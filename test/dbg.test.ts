import { expect, it } from "vitest";
import { createLogger } from "../src/log.js";
import { Sandbox } from "../src/sandbox/world.js";
import { testRedis } from "./support/redis.js";

it("dbg", async () => {
  const { url, prefix, redis } = testRedis();
  redis.disconnect();
  const sandbox = await Sandbox.start({
    redisUrl: url,
    redisPrefix: prefix,
    merchantWallet: "undeployed",
    log: createLogger({ level: "debug" }),
  });
  const wallet = await sandbox.buyerWallet();
  await wallet.payLink(
    `ton://transfer/${sandbox.merchant.address.toString({ bounceable: false, testOnly: true })}?amount=500000000`,
  );
  await new Promise((r) => setTimeout(r, 4000));
  console.log("COUNT", await sandbox.app.unmatched.count());
  await sandbox.stop();
}, 60000);
