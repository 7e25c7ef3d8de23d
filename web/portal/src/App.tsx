// The portal's frame: a skip link, the navigation, and the page the hash names (whose
// heading takes the focus when it opens: components/PageHeading.tsx).

import { useRef } from "react";
import type { ReactNode } from "react";

import { returnedCode } from "./api/oidc";
import { Course } from "./pages/Course";
import { Courses } from "./pages/Courses";
import { Lesson } from "./pages/Lesson";
import { Paths } from "./pages/Paths";
import { Register } from "./pages/Register";
import { Security } from "./pages/Security";
import { SignIn } from "./pages/SignIn";
import { Wallet } from "./pages/Wallet";
import { navigate, useRoute } from "./router";
import type { Route } from "./router";
import { useSession } from "./session";
import { PageHeading } from "./components/PageHeading";

const SIGNED_IN_ONLY = new Set<Route["name"]>(["wallet", "security", "paths"]);

export function App() {
  const route = useRoute();
  const { me, signOut, api } = useSession();
  const main = useRef<HTMLElement>(null);

  // Back from a provider's sign-in (`?oidc_code=` on this page): finish it first.
  const needsSignIn =
    returnedCode(window.location.search) !== null ||
    (SIGNED_IN_ONLY.has(route.name) && !api.signedIn);
  return (
    <>
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="top">
        <a className="brand" href="#/courses">
          Azora
        </a>
        <nav aria-label="Main">
          <ul>
            <NavLink route={route} to="courses" href="#/courses">
              Courses
            </NavLink>
            {me && (
              <>
                <NavLink route={route} to="paths" href="#/paths">
                  Learning path
                </NavLink>
                <NavLink route={route} to="wallet" href="#/wallet">
                  Wallet
                </NavLink>
                <NavLink route={route} to="security" href="#/security">
                  Account
                </NavLink>
              </>
            )}
            {me ? (
              <li>
                <button
                  type="button"
                  className="link"
                  onClick={() => signOut().finally(() => navigate({ name: "sign-in" }))}
                >
                  Sign out <span className="visually-hidden">{me.display_name}</span>
                </button>
              </li>
            ) : (
              <>
                <NavLink route={route} to="sign-in" href="#/sign-in">
                  Sign in
                </NavLink>
                <NavLink route={route} to="register" href="#/register">
                  Register
                </NavLink>
              </>
            )}
          </ul>
        </nav>
        {me && <p className="who">Signed in as {me.display_name}</p>}
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {needsSignIn ? <SignIn /> : <Page route={route} />}
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case "courses":
      return <Courses key={route.query} query={route.query} />;
    case "course":
      return <Course key={route.courseId} courseId={route.courseId} />;
    case "lesson":
      return <Lesson key={route.lessonId} courseId={route.courseId} lessonId={route.lessonId} />;
    case "sign-in":
      return <SignIn />;
    case "register":
      return <Register />;
    case "wallet":
      return <Wallet />;
    case "security":
      return <Security />;
    case "paths":
      return <Paths />;
    case "not-found":
      return (
        <section>
          <PageHeading>Not found</PageHeading>
          <p>
            Nothing lives at “{route.path}”. <a href="#/courses">Browse the courses</a>.
          </p>
        </section>
      );
  }
}

interface NavLinkProps {
  route: Route;
  to: Route["name"];
  href: string;
  children: ReactNode;
}

function NavLink({ route, to, href, children }: NavLinkProps) {
  const here =
    route.name === to || (to === "courses" && (route.name === "course" || route.name === "lesson"));
  return (
    <li>
      <a href={href} aria-current={here ? "page" : undefined}>
        {children}
      </a>
    </li>
  );
}
