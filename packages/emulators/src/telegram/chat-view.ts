import { callbackDataOf } from "./markup.js";
import type { ChatMessage, EmulatorState } from "./state.js";

export interface WaitOptions {
  timeoutMs?: number;
  /** Only messages with a greater id count (e.g. those sent after an action). */
  after?: number;
}

const DEFAULT_WAIT_MS = 10_000;

/** One chat as a test reads it: what the bot sent there, and waiting for what it sends next. */
export class ChatView {
  constructor(
    protected readonly state: EmulatorState,
    readonly chatId: number,
  ) {}

  /** What the bot sent to this chat, oldest first, deleted messages left out. */
  fromBot(): ChatMessage[] {
    return this.state.messages(this.chatId).filter((m) => m.fromBot && !m.deleted);
  }

  /** The id of the newest message in the chat, for `waitFor({ after })`. */
  lastMessageId(): number {
    return this.state.messages(this.chatId).at(-1)?.messageId ?? 0;
  }

  /** Resolves with the first bot message (as it is now, edits included) that satisfies `test`. */
  waitFor(test: (message: ChatMessage) => boolean, options: WaitOptions = {}) {
    const after = options.after ?? 0;
    const find = () => this.fromBot().find((m) => m.messageId > after && test(m));
    return new Promise<ChatMessage>((resolve, reject) => {
      const found = find();
      if (found !== undefined) {
        resolve(found);
        return;
      }
      const timer = setTimeout(() => {
        stop();
        const seen = this.fromBot()
          .map((m) => `#${m.messageId}: ${(m.text ?? m.caption ?? "[media]").slice(0, 120)}`)
          .join("\n");
        reject(new Error(`no matching bot message within the wait; the chat has:\n${seen}`));
      }, options.timeoutMs ?? DEFAULT_WAIT_MS);
      const stop = this.state.onChange(this.chatId, () => {
        const match = find();
        if (match === undefined) return;
        clearTimeout(timer);
        stop();
        resolve(match);
      });
    });
  }

  /** Waits for a bot message whose text or caption contains `fragment`. */
  waitForText(fragment: string | RegExp, options: WaitOptions = {}): Promise<ChatMessage> {
    return this.waitFor((m) => {
      const text = m.text ?? m.caption ?? "";
      return typeof fragment === "string" ? text.includes(fragment) : fragment.test(text);
    }, options);
  }

  /** Waits for a bot message carrying an inline button whose label contains `label`. */
  waitForButton(label: string, options: WaitOptions = {}): Promise<ChatMessage> {
    return this.waitFor(
      (m) =>
        m.replyMarkup !== undefined &&
        "inline_keyboard" in m.replyMarkup &&
        m.replyMarkup.inline_keyboard.flat().some((b) => b.text.includes(label)),
      options,
    );
  }

  /** The callback data of every button on a message, for forging checks. */
  buttonsData(message: ChatMessage): string[] {
    return callbackDataOf(message.replyMarkup);
  }
}
