// Every Azora endpoint the portal calls, one method each (docs/api.md has what they do).
// Commands answer 202 with an `Accepted` body; `waitForCommand` follows them to the end.

import { Http } from "./http";
import type {
  Accepted,
  Balance,
  CommandStatus,
  Course,
  CourseSummary,
  DevSettlement,
  Enrollment,
  LearningPath,
  Me,
  MfaSetup,
  Payment,
  Question,
  Tokens,
  TransactionPage,
} from "./types";

export interface CourseQuery {
  q?: string;
  category?: string;
  level?: string;
  limit?: number;
  offset?: number;
}

export class AzoraApi {
  constructor(readonly http: Http) {}

  get signedIn(): boolean {
    return this.http.signedIn;
  }

  waitForCommand(
    accepted: Accepted,
    onUpdate?: (status: CommandStatus) => void,
    signal?: AbortSignal,
  ): Promise<CommandStatus> {
    return this.http.waitForCommand(accepted, onUpdate, signal);
  }

  // Accounts

  register(email: string, password: string, displayName: string): Promise<Accepted> {
    return this.http.request("POST", "/v1/auth/register", {
      body: { email, password, display_name: displayName },
      command: true,
    });
  }

  async login(email: string, password: string, totpCode?: string): Promise<void> {
    const body: Record<string, string> = { email, password };
    if (totpCode) body.totp_code = totpCode;
    const tokens = await this.http.request<Tokens>("POST", "/v1/auth/login", { body });
    this.http.setTokens(tokens);
  }

  async logout(): Promise<void> {
    const refreshToken = this.http.refreshToken();
    this.http.setTokens(null);
    if (refreshToken) {
      await this.http.request("POST", "/v1/auth/logout", { body: { refresh_token: refreshToken } });
    }
  }

  me(signal?: AbortSignal): Promise<Me> {
    return this.http.request("GET", "/v1/me", { auth: true, signal });
  }

  mfaSetup(password?: string): Promise<MfaSetup> {
    return this.http.request("POST", "/v1/auth/mfa/setup", {
      body: password ? { password } : {},
      auth: true,
    });
  }

  mfaVerify(code: string, password?: string): Promise<Accepted & { recovery_codes: string[] }> {
    return this.http.request("POST", "/v1/auth/mfa/verify", {
      body: password ? { code, password } : { code },
      auth: true,
      command: true,
    });
  }

  mfaDisable(password: string, totpCode: string): Promise<Accepted> {
    return this.http.request("POST", "/v1/auth/mfa/disable", {
      body: { password, totp_code: totpCode },
      auth: true,
      command: true,
    });
  }

  // Courses, enrolments, progress

  async courses(query: CourseQuery, signal?: AbortSignal): Promise<CourseSummary[]> {
    const page = await this.http.request<{ items: CourseSummary[] }>("GET", "/v1/courses", {
      query: { ...query },
      signal,
    });
    return page.items;
  }

  course(courseId: string, signal?: AbortSignal): Promise<Course> {
    // Signed in, the token shows the lessons' content to those enrolled.
    return this.http.request("GET", `/v1/courses/${encodeURIComponent(courseId)}`, {
      auth: this.signedIn,
      signal,
    });
  }

  enrol(
    courseId: string,
    payWith: "wallet" | "card",
  ): Promise<Accepted & { enrollment_id: string; payment_id: string | null }> {
    return this.http.request("POST", "/v1/enrollments", {
      body: { course_id: courseId, pay_with: payWith },
      auth: true,
      command: true,
    });
  }

  async enrollments(signal?: AbortSignal): Promise<Enrollment[]> {
    const page = await this.http.request<{ items: Enrollment[] }>("GET", "/v1/enrollments", {
      auth: true,
      signal,
    });
    return page.items;
  }

  completeLesson(courseId: string, lessonId: string): Promise<Accepted> {
    return this.http.request("POST", "/v1/progress", {
      body: { course_id: courseId, lesson_id: lessonId },
      auth: true,
      command: true,
    });
  }

  // Wallet and payments

  async balances(signal?: AbortSignal): Promise<Balance[]> {
    const wallet = await this.http.request<{ balances: Balance[] }>("GET", "/v1/wallet", {
      auth: true,
      signal,
    });
    return wallet.balances;
  }

  transactions(before?: string, signal?: AbortSignal): Promise<TransactionPage> {
    return this.http.request("GET", "/v1/wallet/transactions", {
      query: { limit: 20, before },
      auth: true,
      signal,
    });
  }

  transfer(toUserId: string, amountMinor: number, currency: string): Promise<Accepted> {
    return this.http.request("POST", "/v1/wallet/transfers", {
      body: { to_user_id: toUserId, amount_minor: amountMinor, currency },
      auth: true,
      command: true,
    });
  }

  topUp(amountMinor: number, currency: string): Promise<Accepted & { payment_id: string }> {
    return this.http.request("POST", "/v1/payments", {
      body: { amount_minor: amountMinor, currency, purpose: "wallet_top_up" },
      auth: true,
      command: true,
    });
  }

  payment(paymentId: string, signal?: AbortSignal): Promise<Payment> {
    return this.http.request("GET", `/v1/payments/${encodeURIComponent(paymentId)}`, {
      auth: true,
      signal,
    });
  }

  /** Development stacks only (AZORA_DEV_PAYMENT_CONTROLS): the ingress signs a Stripe
   * webhook for this payment and receives it; the browser never holds the secret. */
  devSettle(paymentId: string, outcome: DevSettlement): Promise<{ event_type: string }> {
    return this.http.request("POST", `/v1/dev/payments/${encodeURIComponent(paymentId)}/settle`, {
      body: { outcome },
      auth: true,
    });
  }

  // The tutor

  ask(
    question: string,
    courseId?: string,
    lessonId?: string,
    conversationId?: string,
  ): Promise<Accepted & { question_id: string; conversation_id: string }> {
    return this.http.request("POST", "/v1/tutor/questions", {
      body: {
        question,
        course_id: courseId,
        lesson_id: lessonId,
        conversation_id: conversationId,
      },
      auth: true,
      command: true,
    });
  }

  question(questionId: string, signal?: AbortSignal): Promise<Question> {
    return this.http.request("GET", `/v1/tutor/questions/${encodeURIComponent(questionId)}`, {
      auth: true,
      signal,
    });
  }

  requestPath(
    subject: string,
    level: string,
    goals: string[],
  ): Promise<Accepted & { path_id: string }> {
    return this.http.request("POST", "/v1/learning-paths", {
      body: { subject, level, goals },
      auth: true,
      command: true,
    });
  }

  path(pathId: string, signal?: AbortSignal): Promise<LearningPath> {
    return this.http.request("GET", `/v1/learning-paths/${encodeURIComponent(pathId)}`, {
      auth: true,
      signal,
    });
  }
}
