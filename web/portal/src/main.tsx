import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import { loadConfig } from "./config";
import { SessionProvider } from "./session";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);

loadConfig()
  .then((config) =>
    root.render(
      <StrictMode>
        <SessionProvider config={config}>
          <App />
        </SessionProvider>
      </StrictMode>,
    ),
  )
  .catch((error: unknown) =>
    root.render(
      <main id="main">
        <h1>The portal could not start</h1>
        <p role="alert">{String(error)}</p>
      </main>,
    ),
  );
