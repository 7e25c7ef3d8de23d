// Reading things for a page: loading, the answer, or the error in words; and polling a
// resource until it reaches a state (payments, tutor answers, learning paths).

import { describeError } from "./api/problems";
import { useCallback, useEffect, useRef, useState } from "react";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
  /** Show a fresher answer read elsewhere (see `readUntil`). */
  replace: (value: T) => void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const latest = useRef(load);
  latest.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    latest
      .current(controller.signal)
      .then((value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(describeError(failure));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [...deps, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  const replace = useCallback((value: T) => {
    setData(value);
    setError(null);
  }, []);
  return { data, error, loading, reload, replace };
}

/** Ask `read` again (0.5 s apart, slowing to 3 s) until `done` holds, then give its value. */
export async function pollUntil<T>(
  read: (signal: AbortSignal) => Promise<T>,
  done: (value: T) => boolean,
  signal: AbortSignal,
  onEach: (value: T) => void = () => {},
): Promise<T> {
  let delay = 500;
  for (;;) {
    const value = await read(signal);
    onEach(value);
    if (done(value)) return value;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, delay);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
    delay = Math.min(delay * 1.5, 3000);
  }
}

// Read models follow a command's outcome by moments (each is its own projection): after a
// command succeeds, a page reads until the change shows, for at most this long.
const CATCH_UP_MS = 20_000;

/** Read `loaded`'s resource until `done` holds (or CATCH_UP_MS passes), then show it. */
export async function readUntil<T>(
  loaded: Loaded<T>,
  read: (signal: AbortSignal) => Promise<T>,
  done: (value: T) => boolean,
): Promise<void> {
  const signal = AbortSignal.timeout(CATCH_UP_MS);
  try {
    loaded.replace(await pollUntil(read, done, signal));
  } catch {
    loaded.reload(); // it never showed: show what there is
  }
}
