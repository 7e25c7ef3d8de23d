// Where the API is and what this deployment allows, from `config.json` beside index.html.
// The ingress serves one for the portal it hosts (same origin, so `apiBase` is ""); a
// static host elsewhere ships its own naming the API's origin (which must allow it: CORS).

export interface PortalConfig {
  /** The API's origin ("" for the page's own), without a trailing slash. */
  apiBase: string;
  /** Show the development-only control that settles card payments (stripe-mock stacks). */
  devPayments: boolean;
}

export const SAME_ORIGIN: PortalConfig = { apiBase: "", devPayments: false };

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<PortalConfig> {
  const answer = await fetcher("./config.json", { cache: "no-store" });
  if (answer.status === 404) return SAME_ORIGIN;
  if (!answer.ok) throw new Error(`config.json: HTTP ${answer.status}`);
  return parseConfig(await answer.json());
}

export function parseConfig(raw: unknown): PortalConfig {
  const given = (raw ?? {}) as Record<string, unknown>;
  const apiBase = typeof given.apiBase === "string" ? given.apiBase.replace(/\/+$/, "") : "";
  if (apiBase && !/^https?:\/\/[^/]+$/.test(apiBase)) {
    throw new Error(`config.json: apiBase ${JSON.stringify(apiBase)} is not an origin`);
  }
  return { apiBase, devPayments: given.devPayments === true };
}
