import { describe, expect, it } from "vitest";

import { href, parseRoute, type Route } from "./router";

describe("hash routes", () => {
  it("open the course list by default, with the search from the query", () => {
    expect(parseRoute("")).toEqual({ name: "courses", query: "" });
    expect(parseRoute("#/courses?q=event%20logs")).toEqual({
      name: "courses",
      query: "event logs",
    });
  });

  it("name a course and one of its lessons", () => {
    expect(parseRoute("#/courses/c1")).toEqual({ name: "course", courseId: "c1" });
    expect(parseRoute("#/courses/c1/lessons/l2")).toEqual({
      name: "lesson",
      courseId: "c1",
      lessonId: "l2",
    });
  });

  it("say when nothing is there", () => {
    expect(parseRoute("#/courses/c1/nope")).toEqual({
      name: "not-found",
      path: "/courses/c1/nope",
    });
    expect(parseRoute("#/admin")).toEqual({ name: "not-found", path: "/admin" });
  });

  it("read back every link they write", () => {
    const routes: Route[] = [
      { name: "courses", query: "kafka & logs" },
      { name: "course", courseId: "a/b" },
      { name: "lesson", courseId: "c", lessonId: "l" },
      { name: "sign-in" },
      { name: "register" },
      { name: "wallet" },
      { name: "security" },
      { name: "paths" },
    ];
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
  });
});
