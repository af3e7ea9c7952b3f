import { z } from "zod";
import type { LocalizedText } from "./catalog.js";

/**
 * The merchant's own words: the shop's name, its welcome, its terms of sale, when support
 * answers and what buyers should know about delivery — each in as many languages as the
 * merchant writes, English required. What the merchant leaves out, the bot's own texts say.
 */
export interface ShopTexts {
  name?: LocalizedText;
  welcome?: LocalizedText;
  terms: Terms;
  supportHours?: LocalizedText;
  deliveryNotes?: LocalizedText;
}

/**
 * The terms a buyer agrees to before a first purchase: the merchant's text, or a page at `url`
 * (or both). A buyer who agreed to another `version` is asked again. Without terms of the
 * merchant's, the bot's own default terms apply, under version `DEFAULT_TERMS_VERSION`.
 */
export interface Terms {
  version: string;
  text?: LocalizedText;
  url?: string;
}

export const DEFAULT_TERMS_VERSION = "default";

/** What a terms version may be: short enough to travel in an "I agree" button's data. */
export const TERMS_VERSION = /^[A-Za-z0-9._-]{1,32}$/;

/** Text in any number of languages: a plain string is English. */
export const localizedSchema = z.union([
  z
    .string()
    .min(1)
    .transform((en) => ({ en })),
  z.object({ en: z.string().min(1) }).catchall(z.string().min(1)),
]);

const termsSchema = z
  .object({
    version: z
      .string()
      .regex(TERMS_VERSION, { error: "must be 1-32 letters, digits, '.', '_' or '-'" }),
    text: localizedSchema.optional(),
    url: z.url({ protocol: /^https?$/, error: "must be an http or https URL" }).optional(),
  })
  .strict()
  .refine((terms) => terms.text !== undefined || terms.url !== undefined, {
    error: "needs a text, a url, or both",
  });

export const shopSchema = z
  .object({
    name: localizedSchema.optional(),
    welcome: localizedSchema.optional(),
    terms: termsSchema.optional(),
    supportHours: localizedSchema.optional(),
    deliveryNotes: localizedSchema.optional(),
  })
  .strict()
  .default({})
  .transform(
    ({ terms, ...texts }): ShopTexts => ({
      ...texts,
      terms: terms ?? { version: DEFAULT_TERMS_VERSION },
    }),
  );
