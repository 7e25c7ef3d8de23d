// Errors as a person should read them: a problem document's title, detail and the fields it
// names, or what the browser said when no answer came.

import { AzoraError, type ProblemDocument } from "@azora/client";

/** "Title: detail (field: message; …)". */
export function describeProblem(problem: ProblemDocument): string {
  let text = problem.detail ? `${problem.title}: ${problem.detail}` : problem.title;
  const fields = (problem.errors ?? []).map(
    (e) => `${e.loc.filter((part) => part !== "body").join(".")}: ${e.msg}`,
  );
  if (fields.length > 0) text += ` (${fields.join("; ")})`;
  return text;
}

export function describeError(error: unknown): string {
  if (error instanceof AzoraError && error.problem) return describeProblem(error.problem);
  return error instanceof Error ? error.message : String(error);
}

/** The problem's kind ("mfa_required"), when `error` is an answer of the API. */
export function problemKind(error: unknown): string | null {
  return error instanceof AzoraError ? error.kind : null;
}

/** A random UUID (v4) for Idempotency-Key. `crypto.randomUUID` exists only on secure
 * origins (https, localhost); `getRandomValues` everywhere, so a plain-http host works too. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
