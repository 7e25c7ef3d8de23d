// The bodies the portal reads, as the generated client types them (from the OpenAPI
// document), under the names the pages use.

import type { Schemas } from "@azora/client";

export type { CommandStatus } from "@azora/client";

export type Accepted = Schemas["Accepted"];
export type Me = Schemas["Me"];
export type MfaSetup = Schemas["MfaSetup"];
export type CourseSummary = Schemas["CourseSummary"];
export type Course = Schemas["Course"];
export type Enrollment = Schemas["Enrollment"];
export type Payment = Schemas["Payment"];
export type Balance = Schemas["BalanceLine"];
export type Transaction = Schemas["Transaction"];
export type TransactionPage = Schemas["TransactionPage"];
export type Question = Schemas["Question"];
export type LearningPath = Schemas["LearningPath"];

/** A learning path's step: the API types steps loosely (the model writes them). */
export interface PathStep {
  title?: string;
  objectives?: string[];
  course_ids?: string[];
}

/** What a development stack lets the portal do to a card payment it holds (stripe-mock). */
export type DevSettlement = "succeeded" | "payment_failed" | "canceled";
