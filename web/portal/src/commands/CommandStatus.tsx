// A command's state where the person who sent it looks: announced politely to screen
// readers as it changes, and a rejection's reason in words.

import type { CommandState } from "./useCommand";

const WORDS: Record<CommandState["phase"], string> = {
  idle: "",
  sending: "Sending…",
  pending: "Pending: accepted, waiting for the outcome…",
  succeeded: "Succeeded",
  rejected: "Rejected",
  refused: "Refused",
};

export function CommandStatus({ label, state }: { label: string; state: CommandState }) {
  // The live region stays in the page while idle (empty), so its first words are read.
  return (
    <div
      className={`command command-${state.phase}`}
      role="status"
      aria-live="polite"
      aria-atomic="true"
      data-command-state={state.phase}
      data-testid={`command-${label}`}
    >
      {state.phase !== "idle" && (
        <>
          <span className="command-label">{label}: </span>
          <strong>{WORDS[state.phase]}</strong>
          {state.reason && <span className="command-reason">: {state.reason}</span>}
        </>
      )}
    </div>
  );
}
