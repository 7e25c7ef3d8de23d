// A learning path: the tutor proposes steps toward goals, each naming real courses.

import { useEffect, useState } from "react";
import type { FormEvent } from "react";

import type { LearningPath, PathStep } from "../api/types";

type PathLevel = "beginner" | "intermediate" | "advanced";
import { CommandStatus } from "../commands/CommandStatus";
import { useCommand } from "../commands/useCommand";
import { Field, TextArea } from "../components/Field";
import { pollUntil } from "../load";
import { href } from "../router";
import { useSession } from "../session";
import { PageHeading } from "../components/PageHeading";

export function Paths() {
  const { api } = useSession();
  const command = useCommand<Awaited<ReturnType<typeof api.requestPath>>>();
  const [subject, setSubject] = useState("");
  const [level, setLevel] = useState<PathLevel>("beginner");
  const [goals, setGoals] = useState("");
  const [pathId, setPathId] = useState<string | null>(null);
  const [path, setPath] = useState<LearningPath | null>(null);

  useEffect(() => {
    if (!pathId) return;
    const controller = new AbortController();
    pollUntil(
      () => api.path(pathId).catch(() => null),
      (p) => p !== null && p.status !== "pending",
      controller.signal,
      (p) => p && setPath(p),
    ).catch(() => {});
    return () => controller.abort();
  }, [api, pathId]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setPath(null);
    const wanted = goals
      .split("\n")
      .map((g) => g.trim())
      .filter(Boolean)
      .slice(0, 10);
    const settled = await command.run(() => api.requestPath(subject.trim(), level, wanted));
    if (settled.accepted && settled.phase === "succeeded") setPathId(settled.accepted.path_id);
  }

  return (
    <section>
      <PageHeading>Learning path</PageHeading>
      <form className="panel" onSubmit={submit}>
        <Field
          label="Subject"
          required
          maxLength={200}
          value={subject}
          onChange={(e) => setSubject(e.target.value)}
        />
        <div className="field">
          <label htmlFor="path-level">Your level</label>
          <select
            id="path-level"
            value={level}
            onChange={(e) => setLevel(e.target.value as PathLevel)}
          >
            <option value="beginner">Beginner</option>
            <option value="intermediate">Intermediate</option>
            <option value="advanced">Advanced</option>
          </select>
        </div>
        <TextArea
          label="Goals"
          hint="One a line, up to ten."
          required
          value={goals}
          onChange={setGoals}
          rows={4}
        />
        <button type="submit" disabled={command.busy}>
          Request a path
        </button>
      </form>
      <CommandStatus label="Learning path" state={command.state} />
      {pathId && !path && <p role="status">The tutor is drafting your path…</p>}
      {path && path.status === "failed" && (
        <p className="error" role="alert">
          No path: {path.reason}
        </p>
      )}
      {path && path.status !== "failed" && path.status !== "pending" && (
        <ol className="path-steps">
          {(path.steps as PathStep[]).map((step, i) => (
            <li key={i}>
              <h2>{step.title}</h2>
              {step.objectives && step.objectives.length > 0 && (
                <ul>
                  {step.objectives.map((o, j) => (
                    <li key={j}>{o}</li>
                  ))}
                </ul>
              )}
              {step.course_ids && step.course_ids.length > 0 && (
                <p>
                  Courses:{" "}
                  {step.course_ids.map((id, j) => (
                    <a key={id} href={href({ name: "course", courseId: id })}>
                      {j > 0 ? ", " : ""}course {j + 1}
                    </a>
                  ))}
                </p>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
