import { Script } from "./script.js";

/** Every Lua script the shop runs. Each touches keys of one hash slot only (see keys.ts). */

// — orders (keys of the order's partition) —

/**
 * Creation: the order id must be unused. Order, indexes and the "created" event in one step.
 * KEYS: order, pending, allOrders, events. ARGV: id, version, json, expiresAt, createdAt, event.
 */
export const createOrder = new Script<"ok" | "id-taken">(
  "createOrder",
  `
if redis.call('HSETNX', KEYS[1], 'v', ARGV[2]) == 0 then return 'id-taken' end
redis.call('HSET', KEYS[1], 'json', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', '100000', '*', 'orderId', ARGV[1], 'event', ARGV[6])
return 'ok'
`,
);

/**
 * Compare-and-set: writes the new version only if nobody wrote since we read. Pending index, job
 * and event go in the same step, so no reader ever sees half.
 * KEYS: order, pending, fulfilment, events.
 * ARGV: prevVersion, nextVersion, json, orderId, status, fulfil ('1'), event (JSON or ''), expiresAt.
 */
export const commitOrder = new Script<"ok" | "conflict">(
  "commitOrder",
  `
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 'conflict' end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'json', ARGV[3])
if ARGV[5] == 'pending' then
  redis.call('ZADD', KEYS[2], ARGV[8], ARGV[4])
else
  redis.call('ZREM', KEYS[2], ARGV[4])
end
if ARGV[6] == '1' then redis.call('XADD', KEYS[3], '*', 'orderId', ARGV[4]) end
if ARGV[7] ~= '' then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', '100000', '*', 'orderId', ARGV[4], 'event', ARGV[7])
end
return 'ok'
`,
);

/**
 * Takes a payment key over from `staleHolder`, an order known not to have applied the payment
 * (a claim left by a crash before its commit), unless the key moved on meanwhile; returns the
 * holder. A first claim is a plain SET NX (OrderStore.claim).
 * KEYS: payment. ARGV: orderId, staleHolder.
 */
export const claimPayment = new Script<string>(
  "claimPayment",
  `
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[2] then return held end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`,
);

// — unmatched payments (keys of the payment key's partition) —

/**
 * HSETNX makes recording idempotent on the payment key; index and event go in the same step.
 * KEYS: unmatched, unmatchedByTime, events. ARGV: key, json, receivedAt, event.
 */
export const recordUnmatched = new Script<number>(
  "recordUnmatched",
  `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'paymentKey', ARGV[1], 'event', ARGV[4])
return 1
`,
);

// — streams —

/**
 * Sets a pending entry's idle clock, but only while this consumer still owns it, so an entry
 * another consumer has reclaimed is never taken back. Idle 0 renews our hold; a larger idle
 * brings a retry nearer. With ARGV[5], only while the entry was not handed out again since (its
 * delivery count is still ARGV[5]); with ARGV[6], its delivery count is set to that.
 * KEYS: stream. ARGV: group, consumer, id, idleMs, ifCount, setCount.
 */
export const setEntryIdle = new Script<number>(
  "setEntryIdle",
  `
local entry = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)[1]
if not entry or entry[2] ~= ARGV[2] then return 0 end
if ARGV[5] ~= '' and tostring(entry[4]) ~= ARGV[5] then return 0 end
if ARGV[6] ~= '' then
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'RETRYCOUNT', ARGV[6], 'JUSTID')
else
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'JUSTID')
end
return 1
`,
);

// — merchant webhook (keys of the order's partition) —

/**
 * Queues an event once: an event already queued, delivered or given up is left as it is.
 * KEYS: event, due. ARGV: eventId, orderId, body, now.
 */
export const queueWebhook = new Script<number>(
  "queueWebhook",
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'orderId', ARGV[2], 'body', ARGV[3], 'attempts', '0',
  'state', 'queued', 'queuedAt', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
`,
);

/**
 * Takes up to ARGV[3] events due by ARGV[1], each leased until ARGV[2] so no other sender takes it.
 * KEYS: due. ARGV: now, until, count.
 */
export const claimWebhooks = new Script<string[]>(
  "claimWebhooks",
  `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end
return ids
`,
);

// — stock pools (keys of the pool) —

/**
 * One step, so keys are issued once: an order gets the keys it already holds back (a retried job
 * never hands out more), topped up from the pool to `count` only when the pool has all that is
 * missing. The issued hash holds each order's keys as a JSON array; a plain string there is one
 * key issued before orders could hold several.
 * KEYS: pool, issued. ARGV: orderId, count.
 */
export const allocateStock = new Script<string[] | null>(
  "allocateStock",
  `
local held = {}
local issued = redis.call('HGET', KEYS[2], ARGV[1])
if issued then
  local ok, decoded = false, nil
  if string.sub(issued, 1, 1) == '[' then ok, decoded = pcall(cjson.decode, issued) end
  if ok and type(decoded) == 'table' then held = decoded else held = { issued } end
end
local missing = tonumber(ARGV[2]) - #held
if missing <= 0 then return held end
if redis.call('LLEN', KEYS[1]) < missing then return false end
for _ = 1, missing do held[#held + 1] = redis.call('LPOP', KEYS[1]) end
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(held))
return held
`,
);

// — leases (a lock and its fence counter, sharing a tag) —

/**
 * Takes the lease if it is free, or renews it if we hold it. Each new holder gets a fencing token
 * from a counter, so a writer that lost the lease can be told apart from the one that has it.
 * KEYS: lock, fence. ARGV: owner, ttlMs. Returns the token, or -1 when another holds it.
 */
export const acquireLease = new Script<number>(
  "acquireLease",
  `
local current = redis.call('GET', KEYS[1])
if current then
  local owner, fence = string.match(current, '^(.*)|(%d+)$')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(fence)
  end
  return -1
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return fence
`,
);

/**
 * A plain hold: taken (or kept, its TTL renewed) when free or already the caller's. KEYS: hold.
 * ARGV: owner, ttlMs. Returns who holds it now: the caller, or the other owner.
 */
export const takeHold = new Script<string>(
  "takeHold",
  `
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`,
);

/** Extends the lease only for the holder with this very token. KEYS: lock. ARGV: value, ttlMs. */
export const renewLease = new Script<number>(
  "renewLease",
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`,
);

/** Gives the lease back, if it is still ours: after our TTL lapsed it may be someone else's. */
export const releaseLease = new Script<number>(
  "releaseLease",
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
);

/**
 * Writes a value only while the caller still holds the lease with the same token.
 * KEYS: lock, key. ARGV: value, data.
 */
export const fencedSet = new Script<number>(
  "fencedSet",
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`,
);

// — support tickets (keys under the {support} tag) —

/**
 * Opens ticket ARGV[1] for a buyer unless the buyer's open ticket changed since the caller read
 * it (ARGV[8], '' for none): then returns the number the buyer holds instead.
 * KEYS: ticket, buyerTicket, activeTickets.
 * ARGV: number, userId, chatId, firstName, username, kind, now, expected, lang.
 */
export const openTicket = new Script<string>(
  "openTicket",
  `
local held = redis.call('GET', KEYS[2])
if held and held ~= ARGV[8] then return held end
redis.call('HSET', KEYS[1], 'number', ARGV[1], 'userId', ARGV[2], 'chatId', ARGV[3],
  'firstName', ARGV[4], 'username', ARGV[5], 'kind', ARGV[6], 'state', 'open',
  'createdAt', ARGV[7], 'updatedAt', ARGV[7], 'lang', ARGV[9])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[1])
return ARGV[1]
`,
);

/**
 * Adds a message to a ticket's log (keeping the newest ARGV[6]) and moves the ticket to ARGV[3]
 * ('open' when the buyer wrote, 'answered' when the shop did). A closed ticket keeps the message
 * but stays closed.
 * KEYS: ticket, ticketLog, activeTickets. ARGV: entry, now, state, max, number.
 */
export const recordTicketMessage = new Script<"ok" | "closed" | "missing">(
  "recordTicketMessage",
  `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
redis.call('HSET', KEYS[1], 'last', ARGV[1])
if state == 'closed' then
  -- A closed ticket is kept for a while, and so is what was written to it after it closed.
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
  return 'closed'
end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'updatedAt', ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[5])
return 'ok'
`,
);

/**
 * Closes a ticket: off the active index, no longer the buyer's open one, counted, and kept for
 * ARGV[3] ms more.
 * KEYS: ticket, ticketLog, buyerTicket, activeTickets, closedTickets. ARGV: number, now, keepMs.
 */
export const closeTicket = new Script<"closed" | "already" | "missing">(
  "closeTicket",
  `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'missing' end
if state == 'closed' then return 'already' end
redis.call('HSET', KEYS[1], 'state', 'closed', 'updatedAt', ARGV[2])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('INCR', KEYS[5])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 'closed'
`,
);
