import { describe, expect, it } from "vitest";

import { loadConfig, parseConfig, SAME_ORIGIN } from "./config";

describe("the portal's config.json", () => {
  it("names the API's origin and whether development payment controls show", () => {
    expect(parseConfig({ apiBase: "http://127.0.0.1:8000/", devPayments: true })).toEqual({
      apiBase: "http://127.0.0.1:8000",
      devPayments: true,
    });
  });

  it("means the page's own origin when it is absent", async () => {
    const missing = (async () => new Response("", { status: 404 })) as typeof fetch;
    expect(await loadConfig(missing)).toEqual(SAME_ORIGIN);
  });

  it("refuses an API base that is not an origin", () => {
    expect(() => parseConfig({ apiBase: "http://api.test/v1" })).toThrow("is not an origin");
    expect(() => parseConfig({ apiBase: "javascript:alert(1)" })).toThrow("is not an origin");
  });
});
