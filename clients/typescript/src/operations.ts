/**
 * One method per operation of the API, named by its operationId. `satisfies` below makes the
 * typecheck fail when the generated schema has an operation this table lacks (or names one it
 * no longer has), and `tests/unit/test_client_coverage.py` reads the same table.
 *
 * Each method answers the operation's success body and throws `AzoraError` for an error
 * answer. Command methods (the 202s) send an `Idempotency-Key` and retry with it.
 */

import type { Client } from "openapi-fetch";

import { type CommandOptions, withIdempotentRetries } from "./commands.js";
import { AzoraError, isProblemDocument } from "./errors.js";
import type { components, operations, paths } from "./generated/schema.js";
import type { TokenSession } from "./session.js";

export type Schemas = components["schemas"];
export type OperationId = keyof operations;
type Query<K extends OperationId> = NonNullable<operations[K]["parameters"]["query"]>;

/** The success body of an openapi-fetch answer, or an `AzoraError` for an error answer. */
export async function answered<D>(sent: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<D> {
  const { data, error, response } = await sent;
  if (!response.ok) throw new AzoraError(response.status, isProblemDocument(error) ? error : null, response);
  return data as D;
}

/** Where a 302 answer points, or an `AzoraError` for an error answer. */
async function redirectTarget(sent: Promise<{ error?: unknown; response: Response }>): Promise<string> {
  const { error, response } = await sent;
  const location = response.headers.get("Location");
  if (response.status !== 302 || location === null) {
    throw new AzoraError(response.status, isProblemDocument(error) ? error : null, response);
  }
  return location;
}

const keyed = (key: string) => ({ header: { "Idempotency-Key": key } });

export function operationMethods(http: Client<paths>, session: TokenSession) {
  // A command: the same key on every attempt, so a retry is the same command.
  const command = <D>(send: (key: string) => Promise<{ data?: D; error?: unknown; response: Response }>, options?: CommandOptions) =>
    withIdempotentRetries((key) => answered(send(key)), options);

  return {
    // Service
    checkLiveness: () => answered(http.GET("/healthz")),
    checkReadiness: () => answered(http.GET("/readyz")),
    getMetrics: () => answered(http.GET("/metrics", { parseAs: "text" })),
    getAsyncApiDocument: () => answered(http.GET("/asyncapi")),

    // Commands
    getCommandStatus: (commandId: string, wait = 0, signal?: AbortSignal) =>
      answered(http.GET("/v1/commands/{command_id}", { params: { path: { command_id: commandId }, query: { wait } }, signal })),

    // Accounts
    register: (body: Schemas["RegisterRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/auth/register", { body, params: keyed(key) }), options),
    /** Signs in and keeps the tokens in the session. */
    login: async (body: Schemas["LoginRequest"]) => {
      const tokens = await answered(http.POST("/v1/auth/login", { body }));
      session.remember(tokens);
      return tokens;
    },
    /** Rotates the session's tokens (or the given refresh token's). */
    refreshTokens: async (refreshToken?: string) => {
      const token = refreshToken ?? session.tokens?.refreshToken;
      if (token === undefined) throw new Error("no refresh token: sign in first");
      const tokens = await answered(http.POST("/v1/auth/refresh", { body: { refresh_token: token } }));
      session.remember(tokens);
      return tokens;
    },
    /** Ends the session on the server and forgets its tokens here. */
    logout: async (refreshToken?: string) => {
      const token = refreshToken ?? session.tokens?.refreshToken;
      if (token === undefined) return;
      await answered(http.POST("/v1/auth/logout", { body: { refresh_token: token } }));
      session.clear();
    },
    getMe: () => answered(http.GET("/v1/me")),
    setUpMfa: (body?: Schemas["MfaSetupRequest"]) => answered(http.POST("/v1/auth/mfa/setup", { body })),
    verifyMfa: (body: Schemas["MfaVerifyRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/auth/mfa/verify", { body, params: keyed(key) }), options),
    disableMfa: (body: Schemas["MfaDisableRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/auth/mfa/disable", { body, params: keyed(key) }), options),
    /** Erase this account for good: the password (or a reauthentication_token), and a current
     * code when MFA is on. Identity forgets the user; read models drop their rows. */
    deleteAccount: (body: Schemas["AccountErasureRequest"], options?: CommandOptions) =>
      command((key) => http.DELETE("/v1/me", { body, params: keyed(key) }), options),

    // Sign-in with a provider. `start` and `callback` are browser navigations: a browser app
    // sends the user to a provider's `start_url` (from listSignInProviders); these two methods
    // make the same requests without following the redirect and answer where it points, for
    // clients that are not browsers (a redirect is opaque to `fetch` in a browser).
    listSignInProviders: () => answered(http.GET("/v1/auth/oidc/providers")),
    startProviderSignIn: (provider: string, query: Query<"startProviderSignIn"> = {}) =>
      redirectTarget(http.GET("/v1/auth/oidc/{provider}/start", { params: { path: { provider }, query }, redirect: "manual" })),
    completeProviderSignIn: (provider: string, query: Query<"completeProviderSignIn">) =>
      redirectTarget(http.GET("/v1/auth/oidc/{provider}/callback", { params: { path: { provider }, query }, redirect: "manual" })),
    /** Tokens for the one-time code a provider sign-in returned with; kept in the session. */
    exchangeProviderCode: async (body: Schemas["ProviderCodeRequest"]) => {
      const tokens = await answered(http.POST("/v1/auth/oidc/token", { body }));
      session.remember(tokens);
      return tokens;
    },
    createProviderTicket: (provider: string, body: Schemas["ProviderTicketRequest"]) =>
      answered(http.POST("/v1/auth/oidc/{provider}/tickets", { body, params: { path: { provider } } })),
    exchangeReauthenticationCode: (body: Schemas["ReauthenticationCodeRequest"]) =>
      answered(http.POST("/v1/auth/oidc/reauthentication", { body })),

    // Learning
    publishCourse: (body: Schemas["CourseRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/courses", { body, params: keyed(key) }), options),
    listCourses: (query: Query<"listCourses"> = {}) => answered(http.GET("/v1/courses", { params: { query } })),
    getCourse: (courseId: string) => answered(http.GET("/v1/courses/{course_id}", { params: { path: { course_id: courseId } } })),
    enrol: (body: Schemas["EnrollmentRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/enrollments", { body, params: keyed(key) }), options),
    listEnrollments: () => answered(http.GET("/v1/enrollments")),
    completeLesson: (body: Schemas["ProgressRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/progress", { body, params: keyed(key) }), options),

    // Money
    getWallet: () => answered(http.GET("/v1/wallet")),
    listWalletTransactions: (query: Query<"listWalletTransactions"> = {}) =>
      answered(http.GET("/v1/wallet/transactions", { params: { query } })),
    transfer: (body: Schemas["TransferRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/wallet/transfers", { body, params: keyed(key) }), options),
    requestPayment: (body: Schemas["PaymentRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/payments", { body, params: keyed(key) }), options),
    getPayment: (paymentId: string) =>
      answered(http.GET("/v1/payments/{payment_id}", { params: { path: { payment_id: paymentId } } })),
    requestRefund: (paymentId: string, options?: CommandOptions) =>
      command(
        (key) => http.POST("/v1/payments/{payment_id}/refund", { params: { path: { payment_id: paymentId }, ...keyed(key) } }),
        options,
      ),
    /** Stripe's call, for development tools: `payload` is sent byte for byte, as it was signed. */
    receiveStripeWebhook: (payload: string, signature: string) =>
      answered(
        http.POST("/v1/webhooks/stripe", {
          params: { header: { "Stripe-Signature": signature } },
          body: JSON.parse(payload) as NonNullable<operations["receiveStripeWebhook"]["requestBody"]>["content"]["application/json"],
          bodySerializer: () => payload,
        }),
      ),

    // Tutor
    askTutor: (body: Schemas["QuestionRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/tutor/questions", { body, params: keyed(key) }), options),
    getTutorQuestion: (questionId: string) =>
      answered(http.GET("/v1/tutor/questions/{question_id}", { params: { path: { question_id: questionId } } })),
    requestLearningPath: (body: Schemas["PathRequest"], options?: CommandOptions) =>
      command((key) => http.POST("/v1/learning-paths", { body, params: keyed(key) }), options),
    getLearningPath: (pathId: string) =>
      answered(http.GET("/v1/learning-paths/{path_id}", { params: { path: { path_id: pathId } } })),

    // Admin
    listDeadLetters: (query: Query<"listDeadLetters"> = {}) =>
      answered(http.GET("/v1/admin/dead-letters", { params: { query } })),
    getDeadLetter: (deadLetterId: string) =>
      answered(http.GET("/v1/admin/dead-letters/{dead_letter_id}", { params: { path: { dead_letter_id: deadLetterId } } })),
    redriveDeadLetter: (deadLetterId: string) =>
      answered(
        http.POST("/v1/admin/dead-letters/{dead_letter_id}/redrive", { params: { path: { dead_letter_id: deadLetterId } } }),
      ),
  } satisfies Record<OperationId, (...args: never[]) => Promise<unknown>>;
}

export type AzoraOperations = ReturnType<typeof operationMethods>;
