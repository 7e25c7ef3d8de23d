// Browse and search the published courses (full-text search over title and description).

import { useState } from "react";
import type { FormEvent } from "react";

import type { Enrollment } from "../api/types";
import { ErrorMessage, Field } from "../components/Field";
import { useLoad } from "../load";
import { formatMoney } from "../money";
import { href, navigate } from "../router";
import { useSession } from "../session";
import { PageHeading } from "../components/PageHeading";

const LEVELS = ["", "beginner", "intermediate", "advanced"] as const;
type Level = (typeof LEVELS)[number];

export function priceOf(priceMinor: number, currency: string): string {
  return priceMinor === 0 ? "Free" : formatMoney(priceMinor, currency);
}

export function Courses({ query }: { query: string }) {
  const { api, me } = useSession();
  const [text, setText] = useState(query);
  const [level, setLevel] = useState<Level>("");
  const courses = useLoad(
    () => api.courses({ q: query, level: level || undefined, limit: 50 }),
    [api, query, level],
  );
  const enrolments = useLoad(
    () => (me ? api.enrollments() : Promise.resolve([] as Enrollment[])),
    [api, me],
  );
  const statusOf = new Map(
    (enrolments.data ?? [])
      .filter((e) => e.status === "confirmed")
      .map((e) => [e.course_id, e.progress_percent]),
  );

  function search(event: FormEvent) {
    event.preventDefault();
    navigate({ name: "courses", query: text.trim() });
  }

  return (
    <section>
      <PageHeading>Courses</PageHeading>
      <form className="search" role="search" onSubmit={search}>
        <Field
          label="Search courses"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={200}
        />
        <div className="field">
          <label htmlFor="level">Level</label>
          <select id="level" value={level} onChange={(e) => setLevel(e.target.value as Level)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l || "Any level"}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      <ErrorMessage error={courses.error} />
      {courses.loading && !courses.data && <p role="status">Loading courses…</p>}
      {courses.data?.length === 0 && (
        <p role="status">
          {query ? `No course matches “${query}”.` : "No course is published yet."}
        </p>
      )}
      <ul className="course-list">
        {courses.data?.map((course) => (
          <li key={course.course_id} className="course-card">
            <h2>
              <a href={href({ name: "course", courseId: course.course_id })}>{course.title}</a>
            </h2>
            <p>{course.description}</p>
            <p className="meta">
              <span>{course.level}</span> · <span>{course.category}</span> ·{" "}
              <strong>{priceOf(course.price_minor, course.currency)}</strong>
              {statusOf.has(course.course_id) && (
                <span className="badge"> Enrolled, {statusOf.get(course.course_id)}% done</span>
              )}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
