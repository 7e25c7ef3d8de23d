// A lesson: its text, marking it done (progress shows as the command settles), and
// asking the tutor about it.

import { useEffect, useState } from "react";
import type { FormEvent } from "react";

import type { Question } from "../api/types";
import { CommandStatus } from "../commands/CommandStatus";
import { useCommand } from "../commands/useCommand";
import { ErrorMessage, TextArea } from "../components/Field";
import { ProgressBar } from "../components/ProgressBar";
import { doneLessons, markDone } from "../done";
import { pollUntil, readUntil } from "../load";
import { href } from "../router";
import { useSession } from "../session";
import { liveEnrolment, useCourse } from "./Course";
import { PageHeading } from "../components/PageHeading";

export function Lesson({ courseId, lessonId }: { courseId: string; lessonId: string }) {
  const { api, me } = useSession();
  const { course, enrolments, enrolment } = useCourse(courseId);
  const command = useCommand();
  const [, setMarked] = useState(0);

  if (course.error) return <ErrorMessage error={course.error} />;
  if (!course.data) return <p role="status">Loading the lesson…</p>;
  const lessons = course.data.modules.flatMap((m) => m.lessons);
  const at = lessons.findIndex((l) => l.lesson_id === lessonId);
  const lesson = lessons[at];
  if (!lesson) return <ErrorMessage error="This course has no such lesson." />;
  const previous = lessons[at - 1];
  const next = lessons[at + 1];
  const done = me ? doneLessons(me.user_id, courseId).has(lessonId) : false;

  async function complete() {
    const before = enrolment?.completed_lessons ?? 0;
    const settled = await command.run(() => api.completeLesson(courseId, lessonId));
    if (settled.phase === "succeeded" && me) {
      markDone(me.user_id, courseId, lessonId);
      setMarked((n) => n + 1);
      await readUntil(
        enrolments,
        () => api.enrollments(),
        (items) => {
          const now = liveEnrolment(items, courseId);
          return now !== null && (now.completed_lessons > before || now.progress_percent === 100);
        },
      );
    }
  }

  return (
    <article>
      <p>
        <a href={href({ name: "course", courseId })}>← {course.data.title}</a>
      </p>
      <PageHeading>{lesson.title}</PageHeading>
      {enrolment?.status === "confirmed" && (
        <ProgressBar percent={enrolment.progress_percent} label="Course progress" />
      )}
      {lesson.content == null ? (
        <p className="callout">Enrol in the course to read this lesson.</p>
      ) : (
        <div className="lesson-content">
          {lesson.content.split(/\n{2,}/).map((paragraph, i) => (
            <p key={i}>{paragraph}</p>
          ))}
        </div>
      )}
      {lesson.content != null && (
        <div className="actions">
          <button type="button" onClick={complete} disabled={command.busy || done}>
            {done ? "Done ✓" : "Mark as done"}
          </button>
        </div>
      )}
      <CommandStatus label="Lesson completion" state={command.state} />
      <nav className="pager" aria-label="Lessons">
        {previous && (
          <a href={href({ name: "lesson", courseId, lessonId: previous.lesson_id })}>
            ← {previous.title}
          </a>
        )}
        {next && (
          <a href={href({ name: "lesson", courseId, lessonId: next.lesson_id })}>{next.title} →</a>
        )}
      </nav>
      {lesson.content != null && <AskTutor courseId={courseId} lessonId={lessonId} />}
    </article>
  );
}

function AskTutor({ courseId, lessonId }: { courseId: string; lessonId: string }) {
  const { api } = useSession();
  const command = useCommand<Awaited<ReturnType<typeof api.ask>>>();
  const [text, setText] = useState("");
  const [conversation, setConversation] = useState<string | undefined>();
  const [answers, setAnswers] = useState<{ question: string; answer: Question | null }[]>([]);
  const [asked, setAsked] = useState<string | null>(null);

  useEffect(() => {
    if (!asked) return;
    const controller = new AbortController();
    pollUntil(
      () => api.question(asked).catch(() => null),
      (q) => q !== null && q.status !== "pending",
      controller.signal,
    )
      .then((q) =>
        setAnswers((list) =>
          list.map((item, i) => (i === list.length - 1 ? { ...item, answer: q } : item)),
        ),
      )
      .catch(() => {});
    return () => controller.abort();
  }, [api, asked]);

  async function ask(event: FormEvent) {
    event.preventDefault();
    const question = text.trim();
    const settled = await command.run(() => api.ask(question, courseId, lessonId, conversation));
    if (settled.accepted && settled.phase !== "rejected" && settled.phase !== "refused") {
      setConversation(settled.accepted.conversation_id);
      setAnswers((list) => [...list, { question, answer: null }]);
      setAsked(settled.accepted.question_id);
      setText("");
    }
  }

  return (
    <section className="tutor" aria-labelledby="tutor-heading">
      <h2 id="tutor-heading">Ask the tutor about this lesson</h2>
      <ol className="conversation" aria-live="polite">
        {answers.map((item, i) => (
          <li key={i}>
            <p className="question">
              <strong>You:</strong> {item.question}
            </p>
            <p className="answer">
              <strong>Tutor:</strong>{" "}
              {item.answer === null
                ? "thinking…"
                : item.answer.status === "answered"
                  ? item.answer.answer
                  : `no answer: ${item.answer.reason ?? item.answer.status}`}
            </p>
          </li>
        ))}
      </ol>
      <form onSubmit={ask}>
        <TextArea label="Your question" value={text} onChange={setText} required maxLength={4000} />
        <button type="submit" disabled={command.busy || !text.trim()}>
          Ask
        </button>
      </form>
      <CommandStatus label="Question" state={command.state} />
    </section>
  );
}
