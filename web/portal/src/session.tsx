// Who is signed in, shared by every page: the API (with its tokens) and the profile.

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";

import { AzoraApi } from "./api/endpoints";
import { storedSession } from "./api/session";
import type { Me } from "./api/types";
import type { PortalConfig } from "./config";

interface Session {
  api: AzoraApi;
  config: PortalConfig;
  me: Me | null;
  /** Read the profile again (after sign-in, or after MFA changed). */
  reloadMe: () => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({
  config,
  children,
}: {
  config: PortalConfig;
  children: ReactNode;
}) {
  const [me, setMe] = useState<Me | null>(null);
  const api = useMemo(
    () =>
      new AzoraApi(
        // The client needs an absolute base; "" means the page's own origin.
        config.apiBase || window.location.origin,
        storedSession(window.sessionStorage, () => setMe(null)),
      ),
    [config.apiBase],
  );

  const reloadMe = useCallback(async () => {
    setMe(api.signedIn ? await api.me() : null);
  }, [api]);

  const signOut = useCallback(async () => {
    setMe(null);
    await api.logout();
  }, [api]);

  useEffect(() => {
    reloadMe().catch(() => setMe(null));
  }, [reloadMe]);

  const value = useMemo(
    () => ({ api, config, me, reloadMe, signOut }),
    [api, config, me, reloadMe, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

export function useApi(): AzoraApi {
  return useSession().api;
}
