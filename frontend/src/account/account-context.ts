import type { Me } from '@cubicle/protocol';
import { createContext, useContext } from 'react';

/** Who is signed in, and how this Cubicle signs people in; set once the app has asked. */
export const AccountContext = createContext<Me | null>(null);

export function useAccount(): Me | null {
  return useContext(AccountContext);
}

/** Off to the sign-in flow, back to where the user was afterwards. */
export function signInAgain(): void {
  const back = window.location.pathname + window.location.search;
  window.location.assign(`/auth/login?${new URLSearchParams({ return: back })}`);
}
