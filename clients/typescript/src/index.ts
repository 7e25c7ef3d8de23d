/** Azora's TypeScript client: see README.md. */

export { type AzoraClient, type AzoraClientOptions, createAzoraClient } from "./client.js";
export {
  type CommandOptions,
  type CommandStatus,
  newIdempotencyKey,
  type StatusReader,
  type WaitOptions,
  waitForCommand,
  withIdempotentRetries,
} from "./commands.js";
export { AzoraError, CommandWaitTimeout, isProblemDocument, type ProblemDocument } from "./errors.js";
export type { components, operations, paths } from "./generated/schema.js";
export { type AzoraOperations, type OperationId, type Schemas, operationMethods } from "./operations.js";
export {
  type FetchLike,
  type Refresher,
  type StoredTokens,
  type TokenRefreshOptions,
  type Tokens,
  TokenSession,
  type TokenSessionOptions,
  withTokenRefresh,
} from "./session.js";
