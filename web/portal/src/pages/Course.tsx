// One course: its outline, enrolling (free, from the wallet, or by card), and progress.

import { useState } from "react";

import type { Course as CourseDocument, Enrollment } from "../api/types";
import { CardPayment } from "../components/CardPayment";
import { CommandStatus } from "../commands/CommandStatus";
import { useCommand } from "../commands/useCommand";
import { ErrorMessage } from "../components/Field";
import { ProgressBar } from "../components/ProgressBar";
import { doneLessons } from "../done";
import { readUntil, useLoad } from "../load";
import { href } from "../router";
import { useSession } from "../session";
import { priceOf } from "./Courses";
import { PageHeading } from "../components/PageHeading";

/** The enrolment that counts for a course: a confirmed one, else the latest. */
export function liveEnrolment(items: Enrollment[], courseId: string): Enrollment | null {
  const mine = items.filter((e) => e.course_id === courseId);
  return mine.find((e) => e.status === "confirmed") ?? mine[0] ?? null;
}

export function useCourse(courseId: string) {
  const { api, me } = useSession();
  const course = useLoad(() => api.course(courseId), [api, courseId, me]);
  const enrolments = useLoad(
    () => (me ? api.enrollments() : Promise.resolve([] as Enrollment[])),
    [api, me],
  );
  const enrolment = liveEnrolment(enrolments.data ?? [], courseId);
  return { course, enrolments, enrolment };
}

export function Course({ courseId }: { courseId: string }) {
  const { api, me } = useSession();
  const { course, enrolments, enrolment } = useCourse(courseId);
  if (course.error) return <ErrorMessage error={course.error} />;
  if (!course.data) return <p role="status">Loading the course…</p>;
  const data = course.data;
  const enrolled = enrolment?.status === "confirmed";
  const done = me ? doneLessons(me.user_id, courseId) : new Set<string>();
  // Once enrolled, the enrolment shows as confirmed, and then the lessons' content.
  const reload = async () => {
    await readUntil(
      enrolments,
      () => api.enrollments(),
      (items) => liveEnrolment(items, courseId)?.status === "confirmed",
    );
    course.reload();
  };

  return (
    <article>
      <p>
        <a href="#/courses">← All courses</a>
      </p>
      <PageHeading>{data.title}</PageHeading>
      <p>{data.description}</p>
      <p className="meta">
        {data.level} · {data.category} · <strong>{priceOf(data.price_minor, data.currency)}</strong>
      </p>
      {enrolled && enrolment && (
        <ProgressBar percent={enrolment.progress_percent} label="Course progress" />
      )}
      {/* Stays once enrolled, so the enrolment's outcome stays in view. */}
      <Enrol course={data} enrolment={enrolment} onEnrolled={reload} />
      <h2>Lessons</h2>
      {data.modules.map((module) => (
        <section key={module.module_id} className="module">
          <h3>{module.title}</h3>
          <ol>
            {module.lessons.map((lesson) => (
              <li key={lesson.lesson_id}>
                {enrolled ? (
                  <a href={href({ name: "lesson", courseId, lessonId: lesson.lesson_id })}>
                    {lesson.title}
                  </a>
                ) : (
                  <span>{lesson.title}</span>
                )}
                {done.has(lesson.lesson_id) && <span className="badge"> ✓ done</span>}
              </li>
            ))}
          </ol>
        </section>
      ))}
    </article>
  );
}

interface EnrolProps {
  course: CourseDocument;
  enrolment: Enrollment | null;
  onEnrolled: () => void;
}

function Enrol({ course, enrolment, onEnrolled }: EnrolProps) {
  const { api, me } = useSession();
  const command = useCommand<Awaited<ReturnType<typeof api.enrol>>>();
  const [paymentId, setPaymentId] = useState<string | null>(null);

  if (!me) {
    return (
      <p className="callout">
        <a href="#/sign-in">Sign in</a> or <a href="#/register">create an account</a> to enrol.
      </p>
    );
  }

  async function enrol(payWith: "wallet" | "card") {
    setPaymentId(null);
    const done = await command.run(async () => {
      const accepted = await api.enrol(course.course_id, payWith);
      // By card the enrolment waits for the payment: show it while the command is pending.
      if (accepted.payment_id) setPaymentId(accepted.payment_id);
      return accepted;
    });
    if (done.phase === "succeeded") onEnrolled();
  }

  const free = course.price_minor === 0;
  const price = priceOf(course.price_minor, course.currency);
  if (enrolment?.status === "confirmed") {
    return command.state.phase === "idle" ? null : (
      <CommandStatus label="Enrolment" state={command.state} />
    );
  }
  return (
    <div className="enrol callout">
      {enrolment && enrolment.status !== "confirmed" && (
        <p>
          Your last enrolment here is <strong>{enrolment.status}</strong>
          {enrolment.reason && <>: {enrolment.reason}</>}.
        </p>
      )}
      <div className="actions">
        <button type="button" disabled={command.busy} onClick={() => enrol("wallet")}>
          {free ? "Enrol for free" : `Buy with wallet (${price})`}
        </button>
        {!free && (
          <button
            type="button"
            className="secondary"
            disabled={command.busy}
            onClick={() => enrol("card")}
          >
            Pay by card ({price})
          </button>
        )}
      </div>
      <CommandStatus label="Enrolment" state={command.state} />
      {paymentId && <CardPayment paymentId={paymentId} />}
    </div>
  );
}
