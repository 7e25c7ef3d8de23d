// A page's title. When a page opens after another (the hash changed), its heading takes
// the focus, so keyboard and screen-reader users start where the new content does; the
// first page of a visit leaves the focus where the browser puts it.

import { useEffect, useRef } from "react";
import type { ReactNode } from "react";

let firstPage = true;

export function PageHeading({ children }: { children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    heading.current?.focus();
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}
