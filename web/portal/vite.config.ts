// The portal is served under /portal/ by the ingress (and from any static host with a
// config.json beside index.html), so every asset URL is relative to the page.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "./",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
  // `make portal-dev`: the API of `make run` on the dev server's own origin (no CORS).
  server: { proxy: { "/v1": "http://127.0.0.1:8000" } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
