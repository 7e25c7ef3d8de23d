/** `createAzoraClient`: the generated calls, the session that signs them, and command waiting. */

import createClient, { type Client } from "openapi-fetch";

import { type CommandStatus, type WaitOptions, waitForCommand } from "./commands.js";
import type { paths } from "./generated/schema.js";
import { type AzoraOperations, answered, operationMethods } from "./operations.js";
import { type FetchLike, type TokenRefreshOptions, TokenSession, withTokenRefresh } from "./session.js";

export interface AzoraClientOptions extends TokenRefreshOptions {
  /** Where the ingress answers, e.g. `http://127.0.0.1:8000` (no trailing `/v1`). */
  baseUrl: string;
  /** The fetch to use (default: the global one). */
  fetch?: FetchLike;
  /** The session to sign calls with; a new, signed-out one when absent. */
  session?: TokenSession;
  /** Headers sent with every call. */
  headers?: Record<string, string>;
}

export type AzoraClient = AzoraOperations & {
  /** The generated openapi-fetch client (typed by path), signed by the session like the rest. */
  readonly http: Client<paths>;
  readonly session: TokenSession;
  /** The command's settled status, held on `/v1/commands/{id}?wait=` until it settles. */
  waitForCommand(command: string | { command_id: string }, options?: WaitOptions): Promise<CommandStatus>;
};

/** A client of Azora's API: a method per operation, signed by a session that refreshes itself. */
export function createAzoraClient(options: AzoraClientOptions): AzoraClient {
  const fetch: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
  const session = options.session ?? new TokenSession();
  // Refreshing goes around the session's own wrapper: it must not wait for itself.
  const bare = createClient<paths>({ baseUrl: options.baseUrl, fetch, headers: options.headers });
  const refresh = async (refreshToken: string) => {
    const sent = await bare.POST("/v1/auth/refresh", { body: { refresh_token: refreshToken } });
    if (sent.response.status === 401) return null;
    return answered(Promise.resolve(sent));
  };
  const http = createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: withTokenRefresh(fetch, session, refresh, options),
    headers: options.headers,
  });
  const methods = operationMethods(http, session);
  const readStatus = async (commandId: string, wait: number, signal?: AbortSignal) => {
    const sent = await http.GET("/v1/commands/{command_id}", {
      params: { path: { command_id: commandId }, query: { wait } },
      signal,
    });
    // Not recorded yet (it is, moments after its 202): keep waiting.
    if (sent.response.status === 404) return null;
    return answered(Promise.resolve(sent));
  };
  return {
    ...methods,
    http,
    session,
    waitForCommand: (command, waitOptions) => waitForCommand(readStatus, command, waitOptions),
  };
}
