// The portal is served under /portal/ by the ingress (and from any static host with a
// config.json beside index.html), so every asset URL is relative to the page.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Azora's TypeScript client, compiled from its source with the portal (its own package
// needs `make ts-deps` for openapi-fetch).
const client = new URL("../../clients/typescript/src/index.ts", import.meta.url).pathname;

export default defineConfig({
  base: "./",
  plugins: [react()],
  resolve: { alias: { "@azora/client": client } },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  // `make portal-dev`: the API of `make run` on the dev server's own origin (no CORS).
  server: { proxy: { "/v1": "http://127.0.0.1:8000" }, fs: { allow: ["..", "../../clients"] } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
