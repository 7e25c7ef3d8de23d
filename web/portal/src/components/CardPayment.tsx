// A card payment the API holds as a Stripe PaymentIntent: its state as it changes, and
// on development stacks (stripe-mock) a control that settles it through a signed webhook.
//
// With a real Stripe account the page would confirm `client_secret` with Stripe.js here;
// that script comes from Stripe's own servers, so this portal shows the intent instead.

import { describeError } from "../api/problems";
import { useEffect, useState } from "react";

import type { DevSettlement, Payment } from "../api/types";
import { pollUntil } from "../load";
import { formatMoney } from "../money";
import { useSession } from "../session";
import { ErrorMessage } from "./Field";

const SETTLED = new Set(["succeeded", "failed", "refunded", "partially_refunded"]);

/** "pi_123_secret_456" → "pi_123": the PaymentIntent a client secret belongs to. */
export function intentOf(clientSecret: string): string {
  const at = clientSecret.indexOf("_secret_");
  return at > 0 ? clientSecret.slice(0, at) : clientSecret;
}

interface CardPaymentProps {
  paymentId: string;
  /** Told once the payment is settled one way or the other. */
  onSettled?: (payment: Payment) => void;
}

export function CardPayment({ paymentId, onSettled }: CardPaymentProps) {
  const { api, config } = useSession();
  const [payment, setPayment] = useState<Payment | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    // Shows each state as it comes (the intent appearing, a declined card) until the
    // payment settles; a settlement sent from here starts it again at the quick pace.
    pollUntil(
      () => api.payment(paymentId).catch(() => null),
      (seen) => seen !== null && SETTLED.has(seen.status),
      controller.signal,
      (seen) => seen && setPayment(seen),
    )
      .then((seen) => seen && onSettled?.(seen))
      .catch(() => {});
    return () => controller.abort();
  }, [api, paymentId, round]);

  async function settle(outcome: DevSettlement) {
    setError(null);
    try {
      await api.devSettle(paymentId, outcome);
      setRound((n) => n + 1);
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  const amount =
    payment?.amount_minor != null && payment.currency
      ? formatMoney(payment.amount_minor, payment.currency)
      : "";
  const open = payment !== null && !SETTLED.has(payment.status) && Boolean(payment.client_secret);
  return (
    <section className="card-payment" aria-label="Card payment">
      <h3>Card payment {amount}</h3>
      <p role="status" aria-live="polite" data-payment-status={payment?.status ?? "loading"}>
        Payment:{" "}
        <strong>{payment ? payment.status.replaceAll("_", " ") : "waiting for Stripe…"}</strong>
        {payment?.reason && <span>: {payment.reason}</span>}
      </p>
      {payment?.client_secret && (
        <p className="intent">
          Stripe PaymentIntent <code>{intentOf(payment.client_secret)}</code>
        </p>
      )}
      {open && config.devPayments && (
        <div className="dev-controls" role="group" aria-label="Development payment controls">
          <p className="hint">
            Development stack (stripe-mock): the API signs and receives the webhook Stripe would
            send.
          </p>
          <button type="button" onClick={() => settle("succeeded")}>
            Pay with test card
          </button>
          <button type="button" className="secondary" onClick={() => settle("payment_failed")}>
            Decline the card
          </button>
          <button type="button" className="secondary" onClick={() => settle("canceled")}>
            Cancel the payment
          </button>
        </div>
      )}
      {open && !config.devPayments && (
        <p className="hint">Complete the payment with Stripe using this intent.</p>
      )}
      <ErrorMessage error={error} />
    </section>
  );
}
