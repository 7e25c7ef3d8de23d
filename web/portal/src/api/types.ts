// The bodies the Azora API answers with, as the portal uses them (schemas/api/answers.py).

export type CommandState = "pending" | "succeeded" | "rejected";

export interface Accepted {
  command_id: string;
  status_url: string;
  [extra: string]: unknown;
}

export interface CommandStatus {
  command_id: string;
  status: CommandState;
  reason: string | null;
  links?: Record<string, string>;
}

export interface FieldError {
  loc: (string | number)[];
  msg: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string | null;
  errors?: FieldError[];
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  token_type: "bearer";
  expires_in: number;
}

export interface Me {
  user_id: string;
  email: string;
  display_name: string;
  roles: string[];
  mfa_enabled: boolean;
}

export interface MfaSetup {
  secret: string;
  otpauth_uri: string;
}

export interface CourseSummary {
  course_id: string;
  instructor_id: string;
  title: string;
  description: string;
  category: string;
  level: string;
  price_minor: number;
  currency: string;
  published_at: string;
}

export interface Lesson {
  lesson_id: string;
  title: string;
  content?: string | null;
}

export interface Module {
  module_id: string;
  title: string;
  lessons: Lesson[];
}

export interface Course extends CourseSummary {
  modules: Module[];
}

export interface Enrollment {
  enrollment_id: string;
  course_id: string;
  status: string;
  reason: string | null;
  completed_lessons: number;
  total_lessons: number | null;
  progress_percent: number;
  updated_at: string;
}

export interface Payment {
  payment_id: string;
  status: string;
  amount_minor: number | null;
  currency: string | null;
  purpose: string | null;
  client_secret?: string | null;
  reason?: string | null;
  refunded_minor?: number | null;
  updated_at: string;
}

export interface Balance {
  currency: string;
  balance_minor: number;
}

export interface Transaction {
  entry_id: string;
  currency: string;
  amount_minor: number;
  reason: string;
  reference: string;
  balance_after_minor: number;
  at: string;
}

export interface TransactionPage {
  items: Transaction[];
  next: string | null;
}

export interface Question {
  question_id: string;
  status: string;
  answer?: string | null;
  model?: string | null;
  reason?: string | null;
}

export interface PathStep {
  title?: string;
  objectives?: string[];
  course_ids?: string[];
}

export interface LearningPath {
  path_id: string;
  status: string;
  steps: PathStep[];
  model?: string | null;
  reason?: string | null;
}

/** What a development stack lets the portal do to a card payment it holds (stripe-mock). */
export type DevSettlement = "succeeded" | "payment_failed" | "canceled";
