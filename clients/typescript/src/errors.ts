/** Error answers as values: the status, the problem document (RFC 9457) and the response. */

import type { components } from "./generated/schema.js";

export type ProblemDocument = components["schemas"]["ProblemDocument"];

/** An answer of 4xx or 5xx from the API. `problem` is its problem+json body when it sent one. */
export class AzoraError extends Error {
  readonly status: number;
  readonly problem: ProblemDocument | null;
  readonly response: Response | null;

  constructor(status: number, problem: ProblemDocument | null, response: Response | null) {
    super(problem ? `${status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ""}` : `HTTP ${status}`);
    this.name = "AzoraError";
    this.status = status;
    this.problem = problem;
    this.response = response;
  }

  /** The problem's kind: the last part of its `type` URI (`/problems/invalid_credentials`). */
  get kind(): string | null {
    return this.problem ? (this.problem.type.split("/").pop() ?? null) : null;
  }

  /** Seconds the server asked to wait before trying again (429, 503), if it said. */
  get retryAfterSeconds(): number | null {
    return retryAfterSeconds(this.response);
  }
}

/** A command did not settle before the deadline given to `waitForCommand`. */
export class CommandWaitTimeout extends Error {
  readonly commandId: string;

  constructor(commandId: string, timeoutMs: number) {
    super(`command ${commandId} did not settle within ${timeoutMs} ms`);
    this.name = "CommandWaitTimeout";
    this.commandId = commandId;
  }
}

/** Whether `value` has the shape of a problem document (the fields every problem has). */
export function isProblemDocument(value: unknown): value is ProblemDocument {
  if (typeof value !== "object" || value === null) return false;
  const fields = value as Record<string, unknown>;
  return (
    typeof fields.type === "string" && typeof fields.title === "string" && typeof fields.status === "number"
  );
}

/** `Retry-After` as seconds (the delta-seconds form the ingress sends), or null. */
export function retryAfterSeconds(response: Response | null): number | null {
  const value = response?.headers.get("Retry-After");
  if (value == null || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim());
}
