// Which lessons this browser saw marked done. The API counts completed lessons per
// enrolment (the progress bar is its number) but does not list which: this remembers the
// ones marked here, so each lesson can say so.

function key(userId: string, courseId: string): string {
  return `azora.done.${userId}.${courseId}`;
}

export function doneLessons(userId: string, courseId: string): Set<string> {
  try {
    const raw = window.localStorage.getItem(key(userId, courseId));
    return new Set(raw ? (JSON.parse(raw) as string[]) : []);
  } catch {
    return new Set();
  }
}

export function markDone(userId: string, courseId: string, lessonId: string): void {
  const done = doneLessons(userId, courseId);
  done.add(lessonId);
  window.localStorage.setItem(key(userId, courseId), JSON.stringify([...done]));
}
