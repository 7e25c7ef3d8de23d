/**
 * Commands: every POST that answers 202 is sent with an `Idempotency-Key`, and a retry after a
 * lost answer or a 502/503/504 reuses that key, so the server runs the command once however
 * often it is sent. `waitForCommand` then holds on `/v1/commands/{id}?wait=` until it settles.
 */

import { AzoraError, CommandWaitTimeout, retryAfterSeconds } from "./errors.js";
import type { components } from "./generated/schema.js";

export type CommandStatus = components["schemas"]["CommandStatus"];

/** What a caller may say about one command. */
export interface CommandOptions {
  /** The key to send; one is made when absent. Give your own to retry across page reloads. */
  idempotencyKey?: string;
  /** How many times to resend after a lost answer or a 502/503/504 (default 2). */
  retries?: number;
  /** Cap on the pause between attempts, in ms (default 5000; Retry-After is honoured up to it). */
  maxDelayMs?: number;
  signal?: AbortSignal;
}

/** A fresh Idempotency-Key (a random UUID). */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

const RETRIED_STATUSES = new Set([502, 503, 504]);

/**
 * Run `attempt` with one Idempotency-Key until it answers, resending on a network error or a
 * 502/503/504 with the same key; any other error answer is thrown at once.
 */
export async function withIdempotentRetries<T>(
  attempt: (idempotencyKey: string) => Promise<T>,
  options: CommandOptions = {},
): Promise<T> {
  const key = options.idempotencyKey ?? newIdempotencyKey();
  const retries = options.retries ?? 2;
  const maxDelayMs = options.maxDelayMs ?? 5_000;
  for (let tried = 0; ; tried++) {
    try {
      return await attempt(key);
    } catch (error) {
      const transient = error instanceof AzoraError ? RETRIED_STATUSES.has(error.status) : isNetworkError(error);
      if (!transient || tried >= retries || options.signal?.aborted) throw error;
      const asked = error instanceof AzoraError ? retryAfterSeconds(error.response) : null;
      const backoff = asked !== null ? asked * 1000 : 200 * 2 ** tried;
      await sleep(Math.min(backoff, maxDelayMs), options.signal);
    }
  }
}

/** A fetch that failed before any answer came (TypeError in browsers and Node alike). */
function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError;
}

export interface WaitOptions {
  /** Give up after this long (default 30 s): `CommandWaitTimeout` is thrown. */
  timeoutMs?: number;
  /** The longest single hold asked of the server, in seconds (default 10, at most 30). */
  holdSeconds?: number;
  /** Called with every status read, pending ones included (for a progress display). */
  onStatus?: (status: CommandStatus) => void;
  signal?: AbortSignal;
}

/** Reads one command's status, held up to `waitSeconds`; null while it is not recorded yet. */
export type StatusReader = (commandId: string, waitSeconds: number, signal?: AbortSignal) => Promise<CommandStatus | null>;

/**
 * The command's settled status (`succeeded` or `rejected`, with its `reason` and `links`),
 * held on the server between reads so that no polling interval delays it.
 */
export async function waitForCommand(
  read: StatusReader,
  command: string | { command_id: string },
  options: WaitOptions = {},
): Promise<CommandStatus> {
  const commandId = typeof command === "string" ? command : command.command_id;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const holdSeconds = Math.min(options.holdSeconds ?? 10, 30);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const left = deadline - Date.now();
    if (left <= 0) throw new CommandWaitTimeout(commandId, timeoutMs);
    const status = await read(commandId, Math.max(0, Math.min(holdSeconds, left / 1000)), options.signal);
    if (status !== null) {
      options.onStatus?.(status);
      if (status.status !== "pending") return status;
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
