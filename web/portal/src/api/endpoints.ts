// What the portal asks of the API, over Azora's TypeScript client (clients/typescript):
// its generated calls, token refresh and Idempotency-Key retries. Pages call this, never
// fetch; the methods keep the pages' own names and shapes.

import {
  type AzoraClient,
  AzoraError,
  type CommandOptions,
  type CommandStatus,
  createAzoraClient,
  type FetchLike,
  isProblemDocument,
  type TokenSession,
} from "@azora/client";

import { newIdempotencyKey } from "./problems";
import type {
  Accepted,
  Balance,
  Course,
  CourseSummary,
  DevSettlement,
  Enrollment,
  LearningPath,
  Me,
  MfaSetup,
  Payment,
  Question,
  TransactionPage,
} from "./types";

export interface CourseQuery {
  q?: string;
  level?: "beginner" | "intermediate" | "advanced";
  limit?: number;
}

// A command is followed as long as the page shows it: a card checkout waits for a person.
const FOLLOW_FOR_MS = 60 * 60 * 1000;
// The longest hold the API grants to `GET /v1/commands/{id}?wait=`.
const HOLD_S = 25;

/** The key each command carries (made here: the client's needs a secure origin). */
function keyed(): CommandOptions {
  return { idempotencyKey: newIdempotencyKey() };
}

// The development payment control is left out of the OpenAPI document, so the generated
// client has no method (or type) for it; it goes through the same signed fetch.
interface UntypedPost {
  POST(
    path: string,
    init: { params: { path: Record<string, string> }; body: unknown },
  ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
}

export class AzoraApi {
  readonly client: AzoraClient;

  constructor(baseUrl: string, session: TokenSession, fetch?: FetchLike) {
    this.client = createAzoraClient({ baseUrl, session, fetch });
  }

  get signedIn(): boolean {
    return this.client.session.tokens !== null;
  }

  /** The command's outcome, every status read passed to `onUpdate` (pending ones too). */
  waitForCommand(
    accepted: Accepted,
    onUpdate?: (status: CommandStatus) => void,
    signal?: AbortSignal,
  ): Promise<CommandStatus> {
    return this.client.waitForCommand(accepted, {
      timeoutMs: FOLLOW_FOR_MS,
      holdSeconds: HOLD_S,
      onStatus: onUpdate,
      signal,
    });
  }

  // Accounts

  register(email: string, password: string, displayName: string): Promise<Accepted> {
    return this.client.register({ email, password, display_name: displayName }, keyed());
  }

  async login(email: string, password: string, totpCode?: string): Promise<void> {
    await this.client.login({ email, password, totp_code: totpCode || null });
  }

  async logout(): Promise<void> {
    try {
      await this.client.logout();
    } finally {
      this.client.session.clear(); // signed out here even if the API is unreachable
    }
  }

  me(): Promise<Me> {
    return this.client.getMe();
  }

  mfaSetup(password?: string): Promise<MfaSetup> {
    return this.client.setUpMfa(password ? { password } : {});
  }

  mfaVerify(code: string, password?: string) {
    return this.client.verifyMfa(password ? { code, password } : { code }, keyed());
  }

  mfaDisable(password: string, totpCode: string): Promise<Accepted> {
    return this.client.disableMfa({ password, totp_code: totpCode }, keyed());
  }

  // Courses, enrolments, progress

  async courses(query: CourseQuery): Promise<CourseSummary[]> {
    const page = await this.client.listCourses({
      q: query.q || undefined,
      level: query.level,
      limit: query.limit,
    });
    return page.items;
  }

  course(courseId: string): Promise<Course> {
    // Signed in, the session's token shows the lessons' content to those enrolled.
    return this.client.getCourse(courseId);
  }

  enrol(courseId: string, payWith: "wallet" | "card") {
    return this.client.enrol({ course_id: courseId, pay_with: payWith }, keyed());
  }

  async enrollments(): Promise<Enrollment[]> {
    return (await this.client.listEnrollments()).items;
  }

  completeLesson(courseId: string, lessonId: string): Promise<Accepted> {
    return this.client.completeLesson({ course_id: courseId, lesson_id: lessonId }, keyed());
  }

  // Wallet and payments

  async balances(): Promise<Balance[]> {
    return (await this.client.getWallet()).balances;
  }

  transactions(before?: string): Promise<TransactionPage> {
    return this.client.listWalletTransactions({ limit: 20, before });
  }

  transfer(toUserId: string, amountMinor: number, currency: string): Promise<Accepted> {
    return this.client.transfer(
      { to_user_id: toUserId, amount_minor: amountMinor, currency },
      keyed(),
    );
  }

  topUp(amountMinor: number, currency: string) {
    return this.client.requestPayment(
      { amount_minor: amountMinor, currency, purpose: "wallet_top_up" },
      keyed(),
    );
  }

  payment(paymentId: string): Promise<Payment> {
    return this.client.getPayment(paymentId);
  }

  /** Development stacks only (AZORA_DEV_PAYMENT_CONTROLS): the ingress signs a Stripe
   * webhook for this payment and receives it; the browser never holds the secret. */
  async devSettle(paymentId: string, outcome: DevSettlement): Promise<void> {
    const untyped = this.client.http as unknown as UntypedPost;
    const { error, response } = await untyped.POST("/v1/dev/payments/{payment_id}/settle", {
      params: { path: { payment_id: paymentId } },
      body: { outcome },
    });
    if (!response.ok) {
      throw new AzoraError(response.status, isProblemDocument(error) ? error : null, response);
    }
  }

  // The tutor

  ask(question: string, courseId?: string, lessonId?: string, conversationId?: string) {
    return this.client.askTutor(
      {
        question,
        course_id: courseId,
        lesson_id: lessonId,
        conversation_id: conversationId,
      },
      keyed(),
    );
  }

  question(questionId: string): Promise<Question> {
    return this.client.getTutorQuestion(questionId);
  }

  requestPath(subject: string, level: "beginner" | "intermediate" | "advanced", goals: string[]) {
    return this.client.requestLearningPath({ subject, level, goals }, keyed());
  }

  path(pathId: string): Promise<LearningPath> {
    return this.client.getLearningPath(pathId);
  }
}
