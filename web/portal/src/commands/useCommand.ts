// Running one command from a page: sent → pending → succeeded | rejected, as it happens.
// A request the API refuses outright (4xx) never becomes a command: that is "refused".

import { useCallback, useEffect, useRef, useState } from "react";

import { describeError } from "../api/problems";
import type { Accepted, CommandStatus } from "../api/types";
import { useApi } from "../session";

export type CommandPhase = "idle" | "sending" | "pending" | "succeeded" | "rejected" | "refused";

export interface CommandState<A extends Accepted = Accepted> {
  phase: CommandPhase;
  /** Why it was rejected (the command's reason) or refused (the problem document). */
  reason: string | null;
  accepted: A | null;
}

export const IDLE: CommandState<never> = { phase: "idle", reason: null, accepted: null };

/** What a settled (or refused) command's status means for the page. */
export function settle<A extends Accepted>(accepted: A, status: CommandStatus): CommandState<A> {
  return { phase: status.status, reason: status.reason ?? null, accepted };
}

export function refused(error: unknown): CommandState<never> {
  return { phase: "refused", reason: describeError(error), accepted: null };
}

export interface Command<A extends Accepted> {
  state: CommandState<A>;
  busy: boolean;
  /** Send the command and follow it; resolves with its final state (never throws). */
  run: (send: () => Promise<A>) => Promise<CommandState<A>>;
  reset: () => void;
}

export function useCommand<A extends Accepted = Accepted>(): Command<A> {
  const api = useApi();
  const [state, setState] = useState<CommandState<A>>(IDLE);
  const aborter = useRef<AbortController | null>(null);

  useEffect(() => () => aborter.current?.abort(), []);

  const run = useCallback(
    async (send: () => Promise<A>): Promise<CommandState<A>> => {
      aborter.current?.abort();
      const controller = new AbortController();
      aborter.current = controller;
      const show = (next: CommandState<A>) => {
        if (!controller.signal.aborted) setState(next);
        return next;
      };
      show({ phase: "sending", reason: null, accepted: null });
      let accepted: A;
      try {
        accepted = await send();
      } catch (error) {
        return show(refused(error));
      }
      show({ phase: "pending", reason: null, accepted });
      try {
        const status = await api.waitForCommand(
          accepted,
          (update) => show(settle(accepted, update)),
          controller.signal,
        );
        return show(settle(accepted, status));
      } catch (error) {
        if (controller.signal.aborted) return { phase: "pending", reason: null, accepted };
        const reason = `lost track of the command: ${describeError(error)}`;
        return show({ phase: "refused", reason, accepted });
      }
    },
    [api],
  );

  const reset = useCallback(() => {
    aborter.current?.abort();
    setState(IDLE);
  }, []);

  return { state, busy: state.phase === "sending" || state.phase === "pending", run, reset };
}
