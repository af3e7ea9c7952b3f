/** Errors from toncenter a caller can tell apart by type. */
export class ToncenterError extends Error {
  override name = "ToncenterError";
  constructor(
    message: string,
    /** HTTP status when there was a response. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** 429: we asked faster than the key allows. Retried with backoff. */
export class ToncenterRateLimited extends ToncenterError {
  override name = "ToncenterRateLimited";
}

/** 5xx, a timeout or a broken connection: toncenter or its lite servers are unwell. Retried. */
export class ToncenterUnavailable extends ToncenterError {
  override name = "ToncenterUnavailable";
}

/** The lite server does not have the block any more; asking an archival node helps. */
export class LiteServerUnknown extends ToncenterUnavailable {
  override name = "LiteServerUnknown";
}
