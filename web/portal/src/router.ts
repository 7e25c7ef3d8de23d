// Hash routes (#/courses/…): the page is one static file wherever it is hosted, so no
// server needs to answer deep links with index.html.

import { useEffect, useState } from "react";

export type Route =
  | { name: "courses"; query: string }
  | { name: "course"; courseId: string }
  | { name: "lesson"; courseId: string; lessonId: string }
  | { name: "sign-in" }
  | { name: "register" }
  | { name: "wallet" }
  | { name: "security" }
  | { name: "paths" }
  | { name: "not-found"; path: string };

export function parseRoute(hash: string): Route {
  const [path = "", search = ""] = hash.replace(/^#/, "").split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [first, second, third, fourth] = parts;
  if (parts.length === 0 || (first === "courses" && parts.length === 1)) {
    return { name: "courses", query: new URLSearchParams(search).get("q") ?? "" };
  }
  if (first === "courses" && second && parts.length === 2) {
    return { name: "course", courseId: second };
  }
  if (first === "courses" && second && third === "lessons" && fourth && parts.length === 4) {
    return { name: "lesson", courseId: second, lessonId: fourth };
  }
  if (parts.length === 1) {
    switch (first) {
      case "sign-in":
      case "register":
      case "wallet":
      case "security":
      case "paths":
        return { name: first };
    }
  }
  return { name: "not-found", path };
}

export function href(route: Route): string {
  switch (route.name) {
    case "courses":
      return route.query ? `#/courses?q=${encodeURIComponent(route.query)}` : "#/courses";
    case "course":
      return `#/courses/${encodeURIComponent(route.courseId)}`;
    case "lesson":
      return `#/courses/${encodeURIComponent(route.courseId)}/lessons/${encodeURIComponent(route.lessonId)}`;
    case "not-found":
      return `#/${route.path}`;
    default:
      return `#/${route.name}`;
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}
