// The wallet: balances, topping up by card, transferring to another learner, history.

import { describeError } from "../api/problems";
import { useState } from "react";
import type { FormEvent } from "react";

import type { Transaction } from "../api/types";
import { CardPayment } from "../components/CardPayment";
import { CommandStatus } from "../commands/CommandStatus";
import { useCommand } from "../commands/useCommand";
import { ErrorMessage, Field } from "../components/Field";
import { readUntil, useLoad } from "../load";
import { formatMoney, parseMoney } from "../money";
import { useSession } from "../session";
import { PageHeading } from "../components/PageHeading";

const CURRENCY = "EUR";
const REASONS: Record<string, string> = {
  top_up: "Top-up",
  course_purchase: "Course purchase",
  transfer_in: "Transfer received",
  transfer_out: "Transfer sent",
  refund: "Refund",
  refund_reversal: "Refund reversed",
};

export function Wallet() {
  const { api, me } = useSession();
  const balances = useLoad(() => api.balances(), [api]);
  const [historyRound, setHistoryRound] = useState(0);
  const euros = balances.data?.find((b) => b.currency === CURRENCY)?.balance_minor ?? 0;
  // Money moved: read the balance until it shows the change, then the history.
  const refresh = async () => {
    await readUntil(
      balances,
      () => api.balances(),
      (now) => (now.find((b) => b.currency === CURRENCY)?.balance_minor ?? 0) !== euros,
    );
    setHistoryRound((n) => n + 1);
  };

  return (
    <section>
      <PageHeading>Wallet</PageHeading>
      <ErrorMessage error={balances.error} />
      <p className="balance" aria-live="polite">
        Balance: <strong data-testid="balance">{formatMoney(euros, CURRENCY)}</strong>
      </p>
      {balances.data
        ?.filter((b) => b.currency !== CURRENCY)
        .map((b) => (
          <p key={b.currency}>{formatMoney(b.balance_minor, b.currency)}</p>
        ))}
      {me && (
        <p className="hint">
          Your account id (others send you money with it): <code>{me.user_id}</code>
        </p>
      )}
      <div className="columns">
        <TopUp onCredited={refresh} />
        <Transfer onSent={refresh} />
      </div>
      <History round={historyRound} />
    </section>
  );
}

function TopUp({ onCredited }: { onCredited: () => Promise<void> }) {
  const { api } = useSession();
  const command = useCommand<Awaited<ReturnType<typeof api.topUp>>>();
  const [amount, setAmount] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const minor = parseMoney(amount, CURRENCY);
    setError(minor === null ? "Enter a positive amount in euros, such as 25 or 12.50." : null);
    if (minor !== null) await command.run(() => api.topUp(minor, CURRENCY));
  }

  const paymentId = command.state.phase === "succeeded" ? command.state.accepted?.payment_id : null;
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="top-up-heading">
      <h2 id="top-up-heading">Top up</h2>
      <Field
        label="Amount (EUR)"
        inputMode="decimal"
        required
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
      />
      <ErrorMessage error={error} />
      <button type="submit" disabled={command.busy}>
        Top up by card
      </button>
      <CommandStatus label="Top-up" state={command.state} />
      {paymentId && (
        <CardPayment
          paymentId={paymentId}
          onSettled={(payment) => payment.status === "succeeded" && void onCredited()}
        />
      )}
    </form>
  );
}

function Transfer({ onSent }: { onSent: () => Promise<void> }) {
  const { api } = useSession();
  const command = useCommand();
  const [to, setTo] = useState("");
  const [amount, setAmount] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const minor = parseMoney(amount, CURRENCY);
    setError(minor === null ? "Enter a positive amount in euros, such as 25 or 12.50." : null);
    if (minor === null) return;
    const settled = await command.run(() => api.transfer(to.trim(), minor, CURRENCY));
    if (settled.phase === "succeeded") await onSent();
  }

  return (
    <form className="panel" onSubmit={submit} aria-labelledby="transfer-heading">
      <h2 id="transfer-heading">Transfer</h2>
      <Field
        label="Recipient's account id"
        required
        value={to}
        onChange={(e) => setTo(e.target.value)}
        pattern="[0-9a-fA-F-]{36}"
        hint="They find it on their wallet page."
      />
      <Field
        label="Amount (EUR)"
        inputMode="decimal"
        required
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
      />
      <ErrorMessage error={error} />
      <button type="submit" disabled={command.busy}>
        Send
      </button>
      <CommandStatus label="Transfer" state={command.state} />
    </form>
  );
}

function History({ round }: { round: number }) {
  const { api } = useSession();
  const [more, setMore] = useState<Transaction[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const first = useLoad(async () => {
    const page = await api.transactions();
    setMore([]);
    setNext(page.next);
    return page.items;
  }, [api, round]);
  const [error, setError] = useState<string | null>(null);

  async function loadMore() {
    if (!next) return;
    try {
      const page = await api.transactions(next);
      setMore((items) => [...items, ...page.items]);
      setNext(page.next);
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  const items = [...(first.data ?? []), ...more];
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <ErrorMessage error={first.error ?? error} />
      {items.length === 0 && !first.loading && <p>No transactions yet.</p>}
      {items.length > 0 && (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">Wallet transactions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col" className="number">
                  Amount
                </th>
                <th scope="col" className="number">
                  Balance after
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.entry_id}>
                  <td>{new Date(t.at).toLocaleString()}</td>
                  <td>{REASONS[t.reason] ?? t.reason}</td>
                  <td className="number">{formatMoney(t.amount_minor, t.currency)}</td>
                  <td className="number">{formatMoney(t.balance_after_minor, t.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next && (
        <button type="button" className="secondary" onClick={loadMore}>
          Show older
        </button>
      )}
    </section>
  );
}
