import type { Context } from "grammy";

/**
 * ADMIN_IDS, in a private chat with the bot or in the admins' group (ADMIN_CHAT_ID). Membership
 * of that group is not enough: its other members (support staff, say) read the notices there,
 * but only ADMIN_IDS refund, attach or export.
 */
export function isAdmin(adminIds: readonly number[], adminChatId: number | undefined) {
  return (ctx: Context): boolean =>
    ctx.from !== undefined &&
    adminIds.includes(ctx.from.id) &&
    (ctx.chat?.type === "private" || (adminChatId !== undefined && ctx.chat?.id === adminChatId));
}
