// The client's token session, kept in the tab's session storage so a reload stays signed in.

import { type StoredTokens, TokenSession } from "@azora/client";

export function storedSession(
  storage: Storage,
  onEnd: () => void,
  key = "azora.tokens",
): TokenSession {
  const saved = storage.getItem(key);
  return new TokenSession({
    tokens: saved ? (JSON.parse(saved) as StoredTokens) : null,
    onChange: (tokens) => {
      if (tokens) {
        storage.setItem(key, JSON.stringify(tokens));
      } else {
        storage.removeItem(key);
        onEnd(); // signed out, or a refresh the API refused
      }
    },
  });
}
